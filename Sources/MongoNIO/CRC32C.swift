/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of OP_MSG's `checksumPresent` flag.
///
/// Byte-at-a-time with a 256-entry table: checksummed messages are rare (TLS already protects the bytes), so the
/// simplicity is worth more than the speed of slicing-by-8.
struct CRC32C {
    private var state: UInt32 = 0xFFFF_FFFF

    init() {}

    /// Feeds more bytes into the checksum.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var state = self.state
        for byte in bytes {
            state = Self.table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8)
        }
        self.state = state
    }

    /// Feeds more bytes into the checksum.
    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.update($0) }
    }

    /// The checksum of every byte fed so far.
    var value: UInt32 {
        self.state ^ 0xFFFF_FFFF
    }

    /// The checksum of `bytes`.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1
        }
        return value
    }
}
