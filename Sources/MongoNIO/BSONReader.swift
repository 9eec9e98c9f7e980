import NIOCore

/// Decodes BSON from a buffer, checking every length against the bytes that enclose it.
///
/// Each document's end is fixed from its length prefix before any field is read, and every read is bounded by the end
/// of the innermost document, so a lying length is caught where it lies rather than as garbage further on. Offsets in
/// error messages count from the start of the top-level document.
struct BSONReader {
    private(set) var buffer: ByteBuffer
    private let origin: Int
    private let limits: BSONLimits

    init(buffer: ByteBuffer, limits: BSONLimits) {
        self.buffer = buffer
        self.origin = buffer.readerIndex
        self.limits = limits
    }

    private var offset: Int {
        self.buffer.readerIndex - self.origin
    }

    mutating func readTopLevelDocument() throws(BSONError) -> BSONDocument {
        guard let length = self.buffer.getInteger(at: self.buffer.readerIndex, endianness: .little, as: Int32.self) else {
            throw BSONError(
                code: .truncated,
                message: "a document starts with a 4-byte length, but only \(self.buffer.readableBytes) bytes are there"
            )
        }
        guard Int(length) <= self.limits.maxDocumentSize else {
            throw BSONError(
                code: .documentTooLarge,
                message: "document of \(length) bytes exceeds the limit of \(self.limits.maxDocumentSize) bytes"
            )
        }
        return BSONDocument(fields: try self.readFields(end: self.buffer.writerIndex, depth: 1, what: "document"))
    }

    /// Reads a document (or an array, which is a document on the wire) that must end by `end`.
    private mutating func readFields(end: Int, depth: Int, what: String) throws(BSONError) -> [BSONDocument.Element] {
        guard depth <= self.limits.maxDepth else {
            throw BSONError(
                code: .nestingTooDeep,
                message: "\(what) at byte \(self.offset) is nested \(depth) deep, beyond the limit of \(self.limits.maxDepth)"
            )
        }
        let start = self.offset
        let length = Int(try self.readInt32(end: end, what: "\(what) length"))
        guard length >= 5 else {
            throw BSONError(code: .invalidLength, message: "\(what) at byte \(start) declares \(length) bytes, below the minimum of 5")
        }
        let documentEnd = self.buffer.readerIndex - 4 + length
        guard documentEnd <= end else {
            throw BSONError(
                code: .truncated,
                message: "\(what) at byte \(start) declares \(length) bytes, but only \(end - self.buffer.readerIndex + 4) are left"
            )
        }
        guard self.buffer.getInteger(at: documentEnd - 1, as: UInt8.self) == 0 else {
            throw BSONError(code: .missingTerminator, message: "\(what) at byte \(start) does not end with a NUL byte")
        }
        var fields: [BSONDocument.Element] = []
        while true {
            let type = try self.readByte(end: documentEnd, what: "element type")
            if type == 0 {
                guard self.buffer.readerIndex == documentEnd else {
                    let declaredEnd = documentEnd - self.origin - 1
                    throw BSONError(
                        code: .invalidLength,
                        message: "\(what) at byte \(start) ends at byte \(self.offset - 1), before its declared end at byte \(declaredEnd)"
                    )
                }
                return fields
            }
            // Fields may not use the document's terminator byte, so they are bounded one byte short of its end.
            let key = try self.readCString(end: documentEnd - 1, what: "key")
            let value = try self.readValue(type: type, key: key, end: documentEnd - 1, depth: depth)
            fields.append((key: key, value: value))
        }
    }

    private mutating func readValue(type: UInt8, key: String, end: Int, depth: Int) throws(BSONError) -> BSONValue {
        let what = "value of \(key.debugDescription)"
        switch type {
        case 0x01:
            return .double(Double(bitPattern: try self.readInteger(end: end, what: what)))
        case 0x02:
            return .string(try self.readString(end: end, what: what))
        case 0x03:
            return .document(BSONDocument(fields: try self.readFields(end: end, depth: depth + 1, what: what)))
        case 0x04:
            // The keys of an array should be "0", "1", ...; like other drivers, only their order is used.
            return .array(try self.readFields(end: end, depth: depth + 1, what: what).map(\.value))
        case 0x05:
            return .binary(try self.readBinary(end: end, what: what))
        case 0x06:
            return .undefined
        case 0x07:
            return .objectID(BSONObjectID(bytes: try self.readBytes(count: 12, end: end, what: what)))
        case 0x08:
            let byte = try self.readByte(end: end, what: what)
            guard byte <= 1 else {
                throw BSONError(code: .invalidValue, message: "boolean \(what) at byte \(self.offset - 1) is \(byte), not 0 or 1")
            }
            return .bool(byte == 1)
        case 0x09:
            return .datetime(try self.readInteger(end: end, what: what))
        case 0x0A:
            return .null
        case 0x0B:
            let pattern = try self.readCString(end: end, what: "regular expression pattern of \(what)")
            let options = try self.readCString(end: end, what: "regular expression options of \(what)")
            return .regex(BSONRegex(pattern: pattern, options: options))
        case 0x0C:
            let namespace = try self.readString(end: end, what: what)
            return .dbPointer(namespace: namespace, id: BSONObjectID(bytes: try self.readBytes(count: 12, end: end, what: what)))
        case 0x0D:
            return .javascript(try self.readString(end: end, what: what))
        case 0x0E:
            return .symbol(try self.readString(end: end, what: what))
        case 0x0F:
            return try self.readJavaScriptWithScope(end: end, depth: depth, what: what)
        case 0x10:
            return .int32(try self.readInt32(end: end, what: what))
        case 0x11:
            let increment: UInt32 = try self.readInteger(end: end, what: what)
            let seconds: UInt32 = try self.readInteger(end: end, what: what)
            return .timestamp(BSONTimestamp(seconds: seconds, increment: increment))
        case 0x12:
            return .int64(try self.readInteger(end: end, what: what))
        case 0x13:
            let low: UInt64 = try self.readInteger(end: end, what: what)
            let high: UInt64 = try self.readInteger(end: end, what: what)
            return .decimal128(BSONDecimal128(low: low, high: high))
        case 0x7F:
            return .maxKey
        case 0xFF:
            return .minKey
        default:
            throw BSONError(
                code: .unknownType,
                message: "unknown element type 0x\(String(type, radix: 16)) for key \(key.debugDescription)"
            )
        }
    }

    private mutating func readBinary(end: Int, what: String) throws(BSONError) -> BSONBinary {
        let start = self.offset
        let length = Int(try self.readInt32(end: end, what: "binary length of \(what)"))
        guard length >= 0 else {
            throw BSONError(code: .invalidLength, message: "binary \(what) at byte \(start) has a negative length \(length)")
        }
        let subtype = try self.readByte(end: end, what: "binary subtype of \(what)")
        var data = try self.readBytes(count: length, end: end, what: what)
        if subtype == BSONBinary.oldBinarySubtype {
            guard length >= 4 else {
                throw BSONError(code: .invalidLength, message: "old binary \(what) at byte \(start) is too short for its inner length")
            }
            let inner = Int32(littleEndianBytes: data[0..<4])
            guard Int(inner) == length - 4 else {
                throw BSONError(
                    code: .invalidLength,
                    message: "old binary \(what) at byte \(start) has an inner length of \(inner), not \(length - 4)"
                )
            }
            data.removeFirst(4)
        }
        return BSONBinary(subtype: subtype, data: data)
    }

    private mutating func readJavaScriptWithScope(end: Int, depth: Int, what: String) throws(BSONError) -> BSONValue {
        let start = self.offset
        let length = Int(try self.readInt32(end: end, what: "code with scope length of \(what)"))
        // Smallest: the length, an empty string (4 + 1) and an empty document (5).
        guard length >= 14 else {
            throw BSONError(code: .invalidLength, message: "code with scope \(what) at byte \(start) declares \(length) bytes, below 14")
        }
        let valueEnd = self.buffer.readerIndex - 4 + length
        guard valueEnd <= end else {
            throw BSONError(
                code: .truncated,
                message: "code with scope \(what) at byte \(start) declares \(length) bytes, but only \(end - self.buffer.readerIndex + 4) are left"
            )
        }
        let code = try self.readString(end: valueEnd, what: what)
        let scope = try self.readFields(end: valueEnd, depth: depth + 1, what: "scope of \(what)")
        guard self.buffer.readerIndex == valueEnd else {
            throw BSONError(
                code: .invalidLength,
                message: "code with scope \(what) at byte \(start) declares \(length) bytes but its parts take \(self.offset - start)"
            )
        }
        return .javascriptWithScope(code: code, scope: BSONDocument(fields: scope))
    }

    private mutating func readString(end: Int, what: String) throws(BSONError) -> String {
        let start = self.offset
        let length = Int(try self.readInt32(end: end, what: "string length of \(what)"))
        guard length >= 1 else {
            throw BSONError(code: .invalidLength, message: "string \(what) at byte \(start) declares \(length) bytes, below the minimum of 1")
        }
        guard self.buffer.readerIndex + length <= end else {
            throw BSONError(
                code: .truncated,
                message: "string \(what) at byte \(start) declares \(length) bytes, but only \(end - self.buffer.readerIndex) are left"
            )
        }
        guard self.buffer.getInteger(at: self.buffer.readerIndex + length - 1, as: UInt8.self) == 0 else {
            throw BSONError(code: .missingTerminator, message: "string \(what) at byte \(start) does not end with a NUL byte")
        }
        guard let string = self.validatedString(count: length - 1) else {
            throw BSONError(code: .invalidUTF8, message: "string \(what) at byte \(start) is not valid UTF-8")
        }
        self.buffer.moveReaderIndex(forwardBy: length)
        return string
    }

    private mutating func readCString(end: Int, what: String) throws(BSONError) -> String {
        let start = self.offset
        let available = end - self.buffer.readerIndex
        let count = self.buffer.withUnsafeReadableBytes { bytes in
            bytes[0..<max(0, available)].firstIndex(of: 0)
        }
        guard let count else {
            throw BSONError(code: .missingTerminator, message: "\(what) at byte \(start) has no NUL terminator before its document ends")
        }
        guard let string = self.validatedString(count: count) else {
            throw BSONError(code: .invalidUTF8, message: "\(what) at byte \(start) is not valid UTF-8")
        }
        self.buffer.moveReaderIndex(forwardBy: count + 1)
        return string
    }

    /// The next `count` bytes as a string, or `nil` when they are not valid UTF-8 (never repaired: a string changed in
    /// transit is an error, not a value).
    private func validatedString(count: Int) -> String? {
        self.buffer.withUnsafeReadableBytes { bytes in
            String(validating: UnsafeRawBufferPointer(rebasing: bytes[0..<count]), as: UTF8.self)
        }
    }

    private mutating func readInt32(end: Int, what: String) throws(BSONError) -> Int32 {
        try self.readInteger(end: end, what: what)
    }

    private mutating func readByte(end: Int, what: String) throws(BSONError) -> UInt8 {
        try self.readInteger(end: end, what: what)
    }

    private mutating func readInteger<Value: FixedWidthInteger>(end: Int, what: String) throws(BSONError) -> Value {
        let size = MemoryLayout<Value>.size
        guard self.buffer.readerIndex + size <= end, let value = self.buffer.readInteger(endianness: .little, as: Value.self) else {
            throw BSONError(
                code: .truncated,
                message: "\(what) at byte \(self.offset) needs \(size) bytes, but only \(max(0, end - self.buffer.readerIndex)) are left"
            )
        }
        return value
    }

    private mutating func readBytes(count: Int, end: Int, what: String) throws(BSONError) -> [UInt8] {
        guard self.buffer.readerIndex + count <= end, let bytes = self.buffer.readBytes(length: count) else {
            throw BSONError(
                code: .truncated,
                message: "\(what) at byte \(self.offset) needs \(count) bytes, but only \(max(0, end - self.buffer.readerIndex)) are left"
            )
        }
        return bytes
    }
}

extension Int32 {
    fileprivate init(littleEndianBytes bytes: ArraySlice<UInt8>) {
        var value: UInt32 = 0
        for byte in bytes.reversed() {
            value = value << 8 | UInt32(byte)
        }
        self.init(bitPattern: value)
    }
}
