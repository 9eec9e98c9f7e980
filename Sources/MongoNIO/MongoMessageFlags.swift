/// The flag bits of an OP_MSG.
///
/// Bits 0–15 are required: a receiver that does not know one must fail. Bits 16–31 are optional and may be ignored.
public struct MongoMessageFlags: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public var rawValue: UInt32

    /// Creates flags from raw bits.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// A CRC-32C of the message follows its sections.
    public static let checksumPresent = MongoMessageFlags(rawValue: 1 << 0)
    /// The sender will send another message without waiting for an answer; on a request, none is expected.
    public static let moreToCome = MongoMessageFlags(rawValue: 1 << 1)
    /// The client accepts several answers to one request (exhaust cursors, streaming hello).
    public static let exhaustAllowed = MongoMessageFlags(rawValue: 1 << 16)

    /// The required bits this implementation understands.
    static let knownRequired: MongoMessageFlags = [.checksumPresent, .moreToCome]
    /// The mask of the required bits, 0–15.
    static let requiredMask: UInt32 = 0xFFFF
}
