import NIOCore

/// One OP_MSG (opcode 2013), the only message of MongoDB's wire protocol since 3.6: a 16-byte header, flags, one body
/// document and any number of document sequences.
public struct MongoMessage: Sendable, Hashable {
    /// OP_MSG's opcode.
    public static let opCode: Int32 = 2013
    /// The header's size: messageLength, requestID, responseTo and opCode.
    public static let headerSize = 16

    /// The sender's id for this message.
    public var requestID: Int32
    /// The `requestID` of the request this answers; 0 on a request.
    public var responseTo: Int32
    /// The flag bits; `checksumPresent` makes the encoder append a CRC-32C.
    public var flags: MongoMessageFlags
    /// The kind-0 section: the command or its answer.
    public var body: BSONDocument
    /// The kind-1 sections.
    public var sequences: [MongoDocumentSequence]

    /// Creates a message.
    public init(
        requestID: Int32,
        responseTo: Int32,
        flags: MongoMessageFlags = [],
        body: BSONDocument,
        sequences: [MongoDocumentSequence] = []
    ) {
        self.requestID = requestID
        self.responseTo = responseTo
        self.flags = flags
        self.body = body
        self.sequences = sequences
    }

    /// Appends the message's bytes to `buffer`: the body section first, then the sequences, then the CRC-32C when
    /// `flags` has `checksumPresent`.
    ///
    /// Throws when a document cannot be encoded (see `BSONDocument.write(to:)`), a sequence identifier holds a NUL
    /// byte, or the message exceeds 2 GiB; on error the buffer is left as it was. Checking the server's
    /// `maxMessageSizeBytes` is the caller's job.
    public func write(to buffer: inout ByteBuffer) throws(MongoWireError) {
        let start = buffer.writerIndex
        do throws(MongoWireError) {
            try self.writeUnchecked(to: &buffer, start: start)
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
    }

    private func writeUnchecked(to buffer: inout ByteBuffer, start: Int) throws(MongoWireError) {
        buffer.writeMultipleIntegers(Int32(0), self.requestID, self.responseTo, Self.opCode, self.flags.rawValue, endianness: .little)
        buffer.writeInteger(UInt8(0))
        try Self.write(self.body, to: &buffer, what: "the body")
        for sequence in self.sequences {
            guard !sequence.identifier.utf8.contains(0) else {
                throw MongoWireError(
                    code: .invalidMessage,
                    message: "document sequence identifier \(sequence.identifier.debugDescription) contains a NUL byte"
                )
            }
            buffer.writeInteger(UInt8(1))
            let sectionStart = buffer.writerIndex
            buffer.writeInteger(Int32(0), endianness: .little)
            buffer.writeString(sequence.identifier)
            buffer.writeInteger(UInt8(0))
            for (index, document) in sequence.documents.enumerated() {
                try Self.write(document, to: &buffer, what: "document \(index) of \(sequence.identifier.debugDescription)")
            }
            try Self.setLength(in: &buffer, from: sectionStart, what: "document sequence \(sequence.identifier.debugDescription)")
        }
        if self.flags.contains(.checksumPresent) {
            // The length covers the checksum, and the checksum covers the length: fill in the length first.
            try Self.setLength(in: &buffer, from: start, extra: 4, what: "message")
            var crc = CRC32C()
            let offset = start - buffer.readerIndex
            buffer.withUnsafeReadableBytes { bytes in
                crc.update(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
            buffer.writeInteger(crc.value, endianness: .little)
        } else {
            try Self.setLength(in: &buffer, from: start, what: "message")
        }
    }

    private static func write(_ document: BSONDocument, to buffer: inout ByteBuffer, what: String) throws(MongoWireError) {
        do {
            try document.write(to: &buffer)
        } catch {
            throw MongoWireError(code: .invalidMessage, message: "cannot encode \(what): \(error)", bsonError: error)
        }
    }

    private static func setLength(in buffer: inout ByteBuffer, from start: Int, extra: Int = 0, what: String) throws(MongoWireError) {
        let length = buffer.writerIndex - start + extra
        guard let value = Int32(exactly: length) else {
            throw MongoWireError(code: .messageTooLarge, message: "\(what) of \(length) bytes exceeds the wire protocol's 32-bit length")
        }
        buffer.setInteger(value, at: start, endianness: .little)
    }
}
