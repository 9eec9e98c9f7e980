import Testing

@testable import MongoNIO

@Suite("BSON decimal128")
struct BSONDecimal128Tests {
    @Test(arguments: [
        (UInt64(0x3040_0000_0000_0000), UInt64(0), "0"),
        (0xB040_0000_0000_0000, 1, "-1"),
        (0x303E_0000_0000_0000, 15, "1.5"),
        (0x3040_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, "5192296858534827628530496329220095"),
        (0x7C00_0000_0000_0000, 0, "NaN"),
        // The sign and signalling bits of a NaN do not show.
        (0xFC00_0000_0000_0000, 0, "NaN"),
        (0x7E00_0000_0000_0000, 0, "NaN"),
        (0x7800_0000_0000_0000, 0, "Infinity"),
        (0xF800_0000_0000_0000, 0, "-Infinity"),
        // A coefficient above 10^34 - 1, here exactly 10^34, is not canonical and reads as 0.
        (0x3041_ED09_BEAD_87C0, 0x378D_8E64_0000_0000, "0"),
        // The 0b11 form implies a coefficient above the maximum, so it reads as 0 with its own exponent field.
        (0x6C10_0000_0000_0000, 0, "0"),
        (0x6C10_0000_0000_0001, 5, "0"),
    ])
    func printsRawBitsAsTheSpecSays(high: UInt64, low: UInt64, text: String) {
        #expect(BSONDecimal128(low: low, high: high).description == text)
    }
}
