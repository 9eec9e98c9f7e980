import Testing

@testable import MongoNIO

@Suite("CRC-32C")
struct CRC32CTests {
    @Test func matchesTheCheckValueAndRFC3720Vectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        // RFC 3720 B.4: 32 bytes counting up, then down.
        #expect(CRC32C.checksum(Array(0...31)) == 0x46DD_794E)
        #expect(CRC32C.checksum(Array((0...31).reversed())) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func feedingInPiecesGivesTheSameChecksum() {
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        var crc = CRC32C()
        crc.update(Array(bytes[..<10]))
        crc.update(Array(bytes[10...]))
        #expect(crc.value == CRC32C.checksum(bytes))
        #expect(crc.value == 0x2262_0404)
    }
}
