/// BSON binary data (type 0x05): bytes with a subtype saying what they are.
public struct BSONBinary: Sendable, Hashable {
    /// The generic subtype, 0x00.
    public static let genericSubtype: UInt8 = 0x00
    /// The deprecated "old binary" subtype, 0x02, whose bytes carry a second length prefix on the wire.
    public static let oldBinarySubtype: UInt8 = 0x02
    /// The UUID subtype, 0x04.
    public static let uuidSubtype: UInt8 = 0x04

    /// What the bytes are: 0x00 generic, 0x04 UUID, 0x80–0xFF user defined, and so on.
    public var subtype: UInt8
    /// The bytes, without the extra length prefix subtype 0x02 has on the wire.
    public var data: [UInt8]

    /// Creates binary data; the subtype defaults to generic.
    public init(subtype: UInt8 = BSONBinary.genericSubtype, data: [UInt8]) {
        self.subtype = subtype
        self.data = data
    }
}
