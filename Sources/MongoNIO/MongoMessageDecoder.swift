import NIOCore

/// Splits the byte stream from a server into `MongoMessage`s.
///
/// The length and opcode are checked as soon as the header is in, before waiting for the rest: a server's word is
/// never a reason to buffer or allocate. A partial message consumes nothing.
public struct MongoMessageDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    /// A decoded message.
    public typealias InboundOut = MongoMessage

    /// The smallest length a header may declare: the header, the flags and one section kind byte.
    public static let minimumMessageSize = MongoMessage.headerSize + 5
    /// MongoDB's default `maxMessageSizeBytes`, until the server's `hello` says otherwise.
    public static let defaultMaxMessageSize = 48_000_000
    /// Document limits that fit a server's answers: MongoDB lets a reply exceed `maxBsonObjectSize` (16 MiB) by 16 KiB.
    public static let defaultLimits = BSONLimits(maxDocumentSize: 16 * 1024 * 1024 + 16 * 1024)

    /// The longest message accepted, header included; set it from `hello`'s `maxMessageSizeBytes`.
    public var maxMessageSize: Int
    /// The limits each document in a message is decoded with.
    public var limits: BSONLimits

    /// Creates a decoder.
    public init(maxMessageSize: Int = MongoMessageDecoder.defaultMaxMessageSize, limits: BSONLimits = MongoMessageDecoder.defaultLimits) {
        self.maxMessageSize = maxMessageSize
        self.limits = limits
    }

    /// Decodes one message from the front of `buffer`, or returns `nil` and consumes nothing until it is all there.
    public mutating func decode(buffer: inout ByteBuffer) throws -> MongoMessage? {
        try self.decodeMessage(buffer: &buffer)
    }

    /// Decodes what is left once the channel closes.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MongoMessage? {
        try self.decodeMessage(buffer: &buffer)
    }

    private func decodeMessage(buffer: inout ByteBuffer) throws(MongoWireError) -> MongoMessage? {
        let start = buffer.readerIndex
        guard let length = buffer.getInteger(at: start, endianness: .little, as: Int32.self) else {
            return nil
        }
        guard Int(length) >= Self.minimumMessageSize else {
            throw MongoWireError(
                code: .invalidLength,
                message: "message length \(length) is below the minimum of \(Self.minimumMessageSize) for an OP_MSG"
            )
        }
        guard Int(length) <= self.maxMessageSize else {
            throw MongoWireError(
                code: .messageTooLarge,
                message: "message of \(length) bytes exceeds the limit of \(self.maxMessageSize) bytes"
            )
        }
        if let opCode = buffer.getInteger(at: start + 12, endianness: .little, as: Int32.self), opCode != MongoMessage.opCode {
            throw MongoWireError(code: .unsupportedOpCode, message: Self.describeUnsupported(opCode: opCode))
        }
        guard let bytes = buffer.getSlice(at: start, length: Int(length)) else {
            return nil
        }
        let message = try self.parse(bytes)
        buffer.moveReaderIndex(forwardBy: Int(length))
        return message
    }

    private static func describeUnsupported(opCode: Int32) -> String {
        switch opCode {
        case 2012: return "opcode 2012 is OP_COMPRESSED, which this client does not support (it never offers compressors)"
        case 1: return "opcode 1 is the legacy OP_REPLY, which this client does not support (it sends only OP_MSG)"
        default: return "opcode \(opCode) is not OP_MSG (2013), the only opcode this client supports"
        }
    }

    /// Parses one whole message, `bytes` holding exactly its declared length.
    private func parse(_ bytes: ByteBuffer) throws(MongoWireError) -> MongoMessage {
        var bytes = bytes
        let length = bytes.readableBytes
        // The caller checked the length and opcode, so the header and flags are there.
        let rawFlags = bytes.getInteger(at: MongoMessage.headerSize, endianness: .little, as: UInt32.self)!
        let flags = MongoMessageFlags(rawValue: rawFlags)
        let unknown = rawFlags & MongoMessageFlags.requiredMask & ~MongoMessageFlags.knownRequired.rawValue
        guard unknown == 0 else {
            throw MongoWireError(
                code: .unknownRequiredFlags,
                message: "required flag bits 0x\(String(unknown, radix: 16)) are unknown (flags 0x\(String(rawFlags, radix: 16)))"
            )
        }
        var sectionsEnd = length
        if flags.contains(.checksumPresent) {
            guard length >= Self.minimumMessageSize + 4 else {
                throw MongoWireError(code: .invalidLength, message: "message of \(length) bytes is too short for its checksum")
            }
            sectionsEnd = length - 4
            let expected = bytes.getInteger(at: sectionsEnd, endianness: .little, as: UInt32.self)!
            // The checksum covers every byte before it, the header included.
            var crc = CRC32C()
            bytes.getSlice(at: 0, length: sectionsEnd)!.withUnsafeReadableBytes { crc.update($0) }
            guard crc.value == expected else {
                throw MongoWireError(
                    code: .checksumMismatch,
                    message: "checksum 0x\(String(expected, radix: 16)) does not match the message's CRC-32C 0x\(String(crc.value, radix: 16))"
                )
            }
        }
        let (_, requestID, responseTo, _, _) = bytes.readMultipleIntegers(endianness: .little, as: (Int32, Int32, Int32, Int32, UInt32).self)!
        var body: BSONDocument?
        var sequences: [MongoDocumentSequence] = []
        while bytes.readerIndex < sectionsEnd {
            let sectionOffset = bytes.readerIndex
            let kind = bytes.readInteger(as: UInt8.self)!
            switch kind {
            case 0:
                guard body == nil else {
                    throw MongoWireError(code: .invalidSections, message: "a second body section (kind 0) at byte \(sectionOffset)")
                }
                var section = bytes.getSlice(at: bytes.readerIndex, length: sectionsEnd - bytes.readerIndex)!
                body = try self.readDocument(from: &section, what: "body at byte \(sectionOffset + 1)")
                bytes.moveReaderIndex(forwardBy: section.readerIndex)
            case 1:
                sequences.append(try self.readSequence(from: &bytes, end: sectionsEnd, offset: sectionOffset))
            default:
                throw MongoWireError(code: .invalidSections, message: "unknown section kind \(kind) at byte \(sectionOffset)")
            }
        }
        guard let body else {
            throw MongoWireError(code: .invalidSections, message: "the message has no body section (kind 0)")
        }
        return MongoMessage(requestID: requestID, responseTo: responseTo, flags: flags, body: body, sequences: sequences)
    }

    private func readSequence(from bytes: inout ByteBuffer, end: Int, offset: Int) throws(MongoWireError) -> MongoDocumentSequence {
        guard let size = bytes.readInteger(endianness: .little, as: Int32.self), bytes.readerIndex <= end else {
            throw MongoWireError(code: .invalidSections, message: "document sequence at byte \(offset) is cut short before its size")
        }
        let sectionStart = bytes.readerIndex - 4
        // The size counts itself and the identifier's NUL at least.
        guard size >= 5, sectionStart + Int(size) <= end else {
            throw MongoWireError(
                code: .invalidSections,
                message: "document sequence at byte \(offset) declares \(size) bytes, but \(end - sectionStart) are left in the message"
            )
        }
        let sectionEnd = sectionStart + Int(size)
        let identifierStart = bytes.readerIndex
        let identifierLength = bytes.withUnsafeReadableBytes { all in
            all[0..<(sectionEnd - identifierStart)].firstIndex(of: 0)
        }
        guard let identifierLength,
            let identifier = bytes.getBytes(at: identifierStart, length: identifierLength)
                .flatMap({ String(validating: $0, as: UTF8.self) })
        else {
            throw MongoWireError(
                code: .invalidSections,
                message: "document sequence at byte \(offset) has no NUL-terminated UTF-8 identifier"
            )
        }
        bytes.moveReaderIndex(forwardBy: identifierLength + 1)
        var documents: [BSONDocument] = []
        while bytes.readerIndex < sectionEnd {
            var section = bytes.getSlice(at: bytes.readerIndex, length: sectionEnd - bytes.readerIndex)!
            documents.append(
                try self.readDocument(from: &section, what: "document \(documents.count) of sequence \(identifier.debugDescription)")
            )
            bytes.moveReaderIndex(forwardBy: section.readerIndex)
        }
        return MongoDocumentSequence(identifier: identifier, documents: documents)
    }

    private func readDocument(from section: inout ByteBuffer, what: String) throws(MongoWireError) -> BSONDocument {
        do {
            return try BSONDocument.read(from: &section, limits: self.limits)
        } catch {
            throw MongoWireError(code: .invalidDocument, message: "\(what): \(error)", bsonError: error)
        }
    }
}
