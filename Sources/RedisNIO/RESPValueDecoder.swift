import NIOCore

/// Decodes RESP2 and RESP3 replies into `RESPValue`s.
///
/// Each call parses one complete top-level value from a copy of the buffer and only moves the caller's reader index
/// when the value is complete, so a partial frame consumes nothing. Claimed lengths are checked against caps before
/// anything is read or reserved: the server's word is never a reason to allocate.
struct RESPValueDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// Redis' own default `proto-max-bulk-len`.
    static let maximumBulkLength = 512 * 1024 * 1024
    /// More elements than this in one aggregate is a corrupt stream rather than a reply.
    static let maximumAggregateCount = 1 << 24
    /// Deeper nesting would risk the stack of the recursive parser.
    static let maximumDepth = 512
    /// A length or number line longer than this cannot be valid.
    private static let maximumHeaderLength = 64
    /// Simple strings, errors and big numbers without their CRLF after this many bytes are not coming to an end.
    static let maximumLineLength = 16 * 1024 * 1024

    init() {}

    mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let value = try Self.parseValue(from: &copy, depth: 0) else {
            return nil
        }
        buffer.moveReaderIndex(to: copy.readerIndex)
        return value
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try self.decode(buffer: &buffer)
    }

    private static func parseValue(from buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth <= Self.maximumDepth else {
            throw RedisError.protocolError("values nested deeper than \(Self.maximumDepth) levels")
        }
        guard let type = buffer.readInteger(as: UInt8.self) else {
            return nil
        }
        switch type {
        case UInt8(ascii: "+"):
            return try self.readLine(from: &buffer, maximumLength: Self.maximumLineLength).map { .simpleString(String(buffer: $0)) }
        case UInt8(ascii: "-"):
            return try self.readLine(from: &buffer, maximumLength: Self.maximumLineLength).map { .error(String(buffer: $0)) }
        case UInt8(ascii: ":"):
            guard let line = try self.readLine(from: &buffer, maximumLength: Self.maximumHeaderLength) else { return nil }
            guard let value = Int64(String(buffer: line)) else {
                throw RedisError.protocolError("integer reply is not a number")
            }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = try self.readLength(from: &buffer, allowsNull: true) else { return nil }
            guard length >= 0 else { return .null }
            return try self.readBlob(length: length, from: &buffer).map { .bulkString($0) }
        case UInt8(ascii: "!"):
            guard let length = try self.readLength(from: &buffer, allowsNull: false) else { return nil }
            return try self.readBlob(length: length, from: &buffer).map { .error(String(buffer: $0)) }
        case UInt8(ascii: "="):
            guard let length = try self.readLength(from: &buffer, allowsNull: false) else { return nil }
            guard var blob = try self.readBlob(length: length, from: &buffer) else { return nil }
            // The first four bytes name the format (`txt:`, `mkd:`); callers want the text.
            guard blob.readableBytes >= 4, blob.getInteger(at: blob.readerIndex + 3, as: UInt8.self) == UInt8(ascii: ":") else {
                throw RedisError.protocolError("verbatim string without a format prefix")
            }
            blob.moveReaderIndex(forwardBy: 4)
            return .verbatimString(String(buffer: blob))
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            guard let count = try self.readLength(from: &buffer, allowsNull: type == UInt8(ascii: "*")) else { return nil }
            guard count >= 0 else { return .null }
            try self.checkAggregateCount(count)
            guard let elements = try self.readElements(count: count, from: &buffer, depth: depth) else { return nil }
            switch type {
            case UInt8(ascii: "*"): return .array(elements)
            case UInt8(ascii: "~"): return .set(elements)
            default: return .push(elements)
            }
        case UInt8(ascii: "%"):
            guard let count = try self.readLength(from: &buffer, allowsNull: false) else { return nil }
            try self.checkAggregateCount(count)
            guard let entries = try self.readMapEntries(count: count, from: &buffer, depth: depth) else { return nil }
            return .map(entries)
        case UInt8(ascii: "|"):
            // An attribute annotates the value after it; nothing here uses the annotations, so they are dropped.
            guard let count = try self.readLength(from: &buffer, allowsNull: false) else { return nil }
            try self.checkAggregateCount(count)
            guard try self.readMapEntries(count: count, from: &buffer, depth: depth) != nil else { return nil }
            return try self.parseValue(from: &buffer, depth: depth + 1)
        case UInt8(ascii: "_"):
            guard let line = try self.readLine(from: &buffer, maximumLength: Self.maximumHeaderLength) else { return nil }
            guard line.readableBytes == 0 else {
                throw RedisError.protocolError("null with trailing bytes")
            }
            return .null
        case UInt8(ascii: "#"):
            guard let line = try self.readLine(from: &buffer, maximumLength: Self.maximumHeaderLength) else { return nil }
            switch String(buffer: line) {
            case "t": return .boolean(true)
            case "f": return .boolean(false)
            default: throw RedisError.protocolError("boolean is neither t nor f")
            }
        case UInt8(ascii: ","):
            guard let line = try self.readLine(from: &buffer, maximumLength: Self.maximumHeaderLength * 8) else { return nil }
            guard let value = Double(String(buffer: line)) else {
                throw RedisError.protocolError("double reply is not a number")
            }
            return .double(value)
        case UInt8(ascii: "("):
            guard let line = try self.readLine(from: &buffer, maximumLength: Self.maximumLineLength) else { return nil }
            let digits = String(buffer: line)
            let unsigned = digits.hasPrefix("-") || digits.hasPrefix("+") ? digits.dropFirst() : Substring(digits)
            guard !unsigned.isEmpty, unsigned.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw RedisError.protocolError("big number is not a number")
            }
            return .bigNumber(digits)
        default:
            throw RedisError.protocolError("unknown type byte 0x\(String(type, radix: 16))")
        }
    }

    private static func checkAggregateCount(_ count: Int) throws {
        guard count <= Self.maximumAggregateCount else {
            throw RedisError.protocolError("aggregate of \(count) elements exceeds the limit of \(Self.maximumAggregateCount)")
        }
    }

    private static func readElements(count: Int, from buffer: inout ByteBuffer, depth: Int) throws -> [RESPValue]? {
        var elements: [RESPValue] = []
        // Every element takes at least three bytes, so this bounds the reservation by what has arrived.
        elements.reserveCapacity(min(count, buffer.readableBytes / 3))
        for _ in 0..<count {
            guard let element = try self.parseValue(from: &buffer, depth: depth + 1) else { return nil }
            elements.append(element)
        }
        return elements
    }

    private static func readMapEntries(count: Int, from buffer: inout ByteBuffer, depth: Int) throws -> [RESPMapEntry]? {
        var entries: [RESPMapEntry] = []
        entries.reserveCapacity(min(count, buffer.readableBytes / 6))
        for _ in 0..<count {
            guard let key = try self.parseValue(from: &buffer, depth: depth + 1) else { return nil }
            guard let value = try self.parseValue(from: &buffer, depth: depth + 1) else { return nil }
            entries.append(RESPMapEntry(key: key, value: value))
        }
        return entries
    }

    /// Reads a length line; `-1` is returned only where the type has a null form.
    private static func readLength(from buffer: inout ByteBuffer, allowsNull: Bool) throws -> Int? {
        guard let line = try self.readLine(from: &buffer, maximumLength: Self.maximumHeaderLength) else { return nil }
        guard let length = Int(String(buffer: line)) else {
            throw RedisError.protocolError("length is not a number")
        }
        if length == -1 && allowsNull {
            return -1
        }
        guard length >= 0 else {
            throw RedisError.protocolError("negative length \(length)")
        }
        return length
    }

    private static func readBlob(length: Int, from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard length <= Self.maximumBulkLength else {
            throw RedisError.protocolError("bulk string of \(length) bytes exceeds the limit of \(Self.maximumBulkLength)")
        }
        guard buffer.readableBytes >= length + 2 else { return nil }
        let blob = buffer.readSlice(length: length)!
        guard buffer.readInteger(as: UInt16.self) == UInt16(ascii: "\r", "\n") else {
            throw RedisError.protocolError("bulk string not followed by CRLF")
        }
        return blob
    }

    /// Reads up to CRLF and returns the bytes before it; a CR followed by anything else is malformed.
    private static func readLine(from buffer: inout ByteBuffer, maximumLength: Int) throws -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let carriageReturn = view.firstIndex(of: UInt8(ascii: "\r")) else {
            guard view.count <= maximumLength else {
                throw RedisError.protocolError("line longer than \(maximumLength) bytes")
            }
            return nil
        }
        let length = carriageReturn - view.startIndex
        guard length <= maximumLength else {
            throw RedisError.protocolError("line longer than \(maximumLength) bytes")
        }
        guard let newline = buffer.getInteger(at: carriageReturn + 1, as: UInt8.self) else { return nil }
        guard newline == UInt8(ascii: "\n") else {
            throw RedisError.protocolError("CR not followed by LF")
        }
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}

extension UInt16 {
    fileprivate init(ascii first: Unicode.Scalar, _ second: Unicode.Scalar) {
        self = UInt16(UInt8(ascii: first)) << 8 | UInt16(UInt8(ascii: second))
    }
}
