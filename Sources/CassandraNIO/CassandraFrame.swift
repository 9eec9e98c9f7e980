import NIOCore

/// A response frame split from the stream: its header and its message body, the tracing id, warnings and custom
/// payload the flags announce already read off the front.
struct CassandraFrame: Sendable, Equatable {
    /// Header flags (spec section 2.2).
    struct Flags: OptionSet, Sendable, Hashable {
        let rawValue: UInt8

        static let compression = Flags(rawValue: 0x01)
        static let tracing = Flags(rawValue: 0x02)
        static let customPayload = Flags(rawValue: 0x04)
        static let warning = Flags(rawValue: 0x08)
    }

    /// Protocol v4 with the response direction bit.
    static let responseVersion: UInt8 = 0x84
    /// Protocol v4, request direction.
    static let requestVersion: UInt8 = 0x04
    /// version, flags, stream, opcode, length.
    static let headerLength = 9

    var flags: Flags
    /// The request this answers; negative for server-initiated frames (EVENT uses -1).
    var stream: Int16
    /// The raw opcode byte; `CassandraOpcode` when known.
    var opcode: UInt8
    /// The message body, after any tracing id, warnings and custom payload.
    var body: ByteBuffer
    /// The warnings the server attached, if any.
    var warnings: [String] = []
}
