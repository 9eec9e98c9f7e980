import NIOCore

extension BSONDocument {
    /// Reads one length-prefixed document from the front of `buffer` and moves the reader index past it.
    ///
    /// The bytes after the document are left unread. On error the reader index does not move.
    public static func read(from buffer: inout ByteBuffer, limits: BSONLimits = BSONLimits()) throws(BSONError) -> BSONDocument {
        var reader = BSONReader(buffer: buffer, limits: limits)
        let document = try reader.readTopLevelDocument()
        buffer = reader.buffer
        return document
    }

    /// Decodes `bytes`, which must hold exactly one document and nothing after it.
    public init(bytes: ByteBuffer, limits: BSONLimits = BSONLimits()) throws(BSONError) {
        var buffer = bytes
        self = try Self.read(from: &buffer, limits: limits)
        guard buffer.readableBytes == 0 else {
            throw BSONError(code: .trailingBytes, message: "\(buffer.readableBytes) bytes follow the document")
        }
    }
}
