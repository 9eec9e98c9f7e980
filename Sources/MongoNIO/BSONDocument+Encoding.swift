import NIOCore

extension BSONDocument {
    /// Appends the document's BSON bytes to `buffer`.
    ///
    /// Throws `invalidCString` when a key, a regular expression's pattern or options hold a NUL byte (a BSON C string
    /// ends at the first NUL, so the bytes would mean something else), and `documentTooLarge` past BSON's 2 GiB length.
    /// On error the buffer is left as it was. The size limit a server sets is the caller's to check.
    public func write(to buffer: inout ByteBuffer) throws(BSONError) {
        let start = buffer.writerIndex
        do throws(BSONError) {
            try Self.writeFields(self.fields, to: &buffer)
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
    }

    /// The document's BSON bytes in a new buffer; throws as `write(to:)` does.
    public func encoded() throws(BSONError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try self.write(to: &buffer)
        return buffer
    }

    static func writeFields(_ fields: some Sequence<Element>, to buffer: inout ByteBuffer) throws(BSONError) {
        let start = buffer.writerIndex
        // The length goes first but is known last: reserve it, then fill it in.
        buffer.writeInteger(Int32(0), endianness: .little)
        for field in fields {
            buffer.writeInteger(field.value.typeByte)
            try buffer.writeBSONCString(field.key, what: "key")
            try field.value.writePayload(to: &buffer)
        }
        buffer.writeInteger(UInt8(0))
        try buffer.setBSONLength(from: start)
    }
}

extension BSONValue {
    /// The element type byte that precedes the value in a document.
    var typeByte: UInt8 {
        switch self {
        case .double: return 0x01
        case .string: return 0x02
        case .document: return 0x03
        case .array: return 0x04
        case .binary: return 0x05
        case .undefined: return 0x06
        case .objectID: return 0x07
        case .bool: return 0x08
        case .datetime: return 0x09
        case .null: return 0x0A
        case .regex: return 0x0B
        case .dbPointer: return 0x0C
        case .javascript: return 0x0D
        case .symbol: return 0x0E
        case .javascriptWithScope: return 0x0F
        case .int32: return 0x10
        case .timestamp: return 0x11
        case .int64: return 0x12
        case .decimal128: return 0x13
        case .minKey: return 0xFF
        case .maxKey: return 0x7F
        }
    }

    func writePayload(to buffer: inout ByteBuffer) throws(BSONError) {
        switch self {
        case .double(let value):
            buffer.writeInteger(value.bitPattern, endianness: .little)
        case .string(let value), .javascript(let value), .symbol(let value):
            buffer.writeBSONString(value)
        case .document(let document):
            try BSONDocument.writeFields(document.fields, to: &buffer)
        case .array(let values):
            try BSONDocument.writeFields(values.enumerated().lazy.map { (key: String($0.offset), value: $0.element) }, to: &buffer)
        case .binary(let binary):
            if binary.subtype == BSONBinary.oldBinarySubtype {
                // Subtype 2 repeats the length inside the data; the outer length counts the inner one.
                buffer.writeInteger(Int32(binary.data.count + 4), endianness: .little)
                buffer.writeInteger(binary.subtype)
                buffer.writeInteger(Int32(binary.data.count), endianness: .little)
            } else {
                buffer.writeInteger(Int32(binary.data.count), endianness: .little)
                buffer.writeInteger(binary.subtype)
            }
            buffer.writeBytes(binary.data)
        case .undefined, .null, .minKey, .maxKey:
            break
        case .objectID(let id):
            buffer.writeBytes(id.bytes)
        case .bool(let value):
            buffer.writeInteger(UInt8(value ? 1 : 0))
        case .datetime(let milliseconds):
            buffer.writeInteger(milliseconds, endianness: .little)
        case .regex(let regex):
            try buffer.writeBSONCString(regex.pattern, what: "regular expression pattern")
            try buffer.writeBSONCString(regex.options, what: "regular expression options")
        case .dbPointer(let namespace, let id):
            buffer.writeBSONString(namespace)
            buffer.writeBytes(id.bytes)
        case .javascriptWithScope(let code, let scope):
            let start = buffer.writerIndex
            buffer.writeInteger(Int32(0), endianness: .little)
            buffer.writeBSONString(code)
            try BSONDocument.writeFields(scope.fields, to: &buffer)
            try buffer.setBSONLength(from: start)
        case .int32(let value):
            buffer.writeInteger(value, endianness: .little)
        case .timestamp(let timestamp):
            buffer.writeInteger(timestamp.increment, endianness: .little)
            buffer.writeInteger(timestamp.seconds, endianness: .little)
        case .int64(let value):
            buffer.writeInteger(value, endianness: .little)
        case .decimal128(let value):
            buffer.writeInteger(value.low, endianness: .little)
            buffer.writeInteger(value.high, endianness: .little)
        }
    }
}

extension ByteBuffer {
    fileprivate mutating func writeBSONString(_ string: String) {
        let start = self.writerIndex
        self.writeInteger(Int32(0), endianness: .little)
        let count = self.writeString(string)
        self.writeInteger(UInt8(0))
        self.setInteger(Int32(count + 1), at: start, endianness: .little)
    }

    fileprivate mutating func writeBSONCString(_ string: String, what: String) throws(BSONError) {
        guard !string.utf8.contains(0) else {
            throw BSONError(code: .invalidCString, message: "\(what) \(string.debugDescription) contains a NUL byte")
        }
        self.writeString(string)
        self.writeInteger(UInt8(0))
    }

    /// Fills in the 4-byte length reserved at `start` with the bytes written since.
    fileprivate mutating func setBSONLength(from start: Int) throws(BSONError) {
        let length = self.writerIndex - start
        guard let value = Int32(exactly: length) else {
            throw BSONError(code: .documentTooLarge, message: "a document of \(length) bytes exceeds BSON's 32-bit length")
        }
        self.setInteger(value, at: start, endianness: .little)
    }
}
