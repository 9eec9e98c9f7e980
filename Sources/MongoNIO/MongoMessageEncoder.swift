import NIOCore

/// Writes `MongoMessage`s to the channel as OP_MSG bytes.
public struct MongoMessageEncoder: MessageToByteEncoder, Sendable {
    /// A message to write.
    public typealias OutboundIn = MongoMessage

    /// Creates an encoder.
    public init() {}

    /// Appends the message's bytes to `out`; see `MongoMessage.write(to:)`.
    public func encode(data: MongoMessage, out: inout ByteBuffer) throws {
        try data.write(to: &out)
    }
}
