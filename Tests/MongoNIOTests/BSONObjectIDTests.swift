import Testing

@testable import MongoNIO

@Suite("BSON ObjectId")
struct BSONObjectIDTests {
    @Test func parsesHexInEitherCaseAndPrintsLowercase() throws {
        let id = try #require(BSONObjectID(hex: "5F0C9B0E2A1B3C4D5E6F7A8B"))
        #expect(id.hex == "5f0c9b0e2a1b3c4d5e6f7a8b")
        #expect(id.description == id.hex)
        #expect(id.bytes == [0x5F, 0x0C, 0x9B, 0x0E, 0x2A, 0x1B, 0x3C, 0x4D, 0x5E, 0x6F, 0x7A, 0x8B])
        #expect(BSONObjectID(bytes: id.bytes) == id)
        #expect(BSONObjectID(hex: "5f0c9b0e2a1b3c4d5e6f7a8b") == id)
        #expect(id.timestamp == 0x5F0C_9B0E)
    }

    @Test(arguments: [
        "", "5f0c9b0e2a1b3c4d5e6f7a8", "5f0c9b0e2a1b3c4d5e6f7a8b0", "5f0c9b0e2a1b3c4d5e6f7a8g", "zz0c9b0e2a1b3c4d5e6f7a8b",
        "5f0c9b0e2a1b3c4d5e6f7a8é",
    ])
    func rejectsAnythingButTwentyFourHexDigits(text: String) {
        #expect(BSONObjectID(hex: text) == nil)
    }

    @Test func generatedIDsCarryTheTimeTheProcessRandomAndACountingCounter() {
        let first = BSONObjectID(timestamp: 0x0102_0304)
        let second = BSONObjectID(timestamp: 0x0102_0304)
        #expect(first.timestamp == 0x0102_0304)
        #expect(Array(first.bytes[0..<4]) == [1, 2, 3, 4])
        #expect(first.bytes[4..<9] == second.bytes[4..<9])
        let counter = { (id: BSONObjectID) in id.bytes[9..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        // Other tests may take ids in between, so the counter only has to move forward (wrapping at 2^24).
        #expect(counter(second) != counter(first))
        #expect((counter(second) &- counter(first)) & 0xFF_FFFF < 1 << 23)
        #expect(first != second)
    }

    @Test func idsGeneratedNowDifferAndCarryTheCurrentTime() {
        let ids = Set((0..<1000).map { _ in BSONObjectID() })
        #expect(ids.count == 1000)
        // 2020-01-01 and 2100-01-01: the clock's seconds, not some other unit.
        #expect(ids.allSatisfy { $0.timestamp > 1_577_836_800 && $0.timestamp < 4_102_444_800 })
    }
}
