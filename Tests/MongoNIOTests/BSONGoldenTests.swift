import NIOCore
import Testing

@testable import MongoNIO

/// Golden bytes written by hand from the BSON 1.1 spec (bsonspec.org): the spec's own examples, and one document per
/// element type. Each must encode to exactly these bytes and decode back to the same document.
@Suite("BSON golden bytes")
struct BSONGoldenTests {
    static let objectID = BSONObjectID(hex: "5f0c9b0e2a1b3c4d5e6f7a8b")!
    static let objectIDHex = "5f0c9b0e2a1b3c4d5e6f7a8b"

    static let cases: [(name: String, document: BSONDocument, hex: String)] = [
        (
            "spec: hello world",
            ["hello": "world"],
            "16000000 02 68656c6c6f00 06000000 776f726c6400 00"
        ),
        (
            "spec: awesome array",
            ["BSON": ["awesome", 5.05, .int32(1986)]],
            "31000000 04 42534f4e00 26000000 02 3000 08000000 617765736f6d6500 01 3100 3333333333331440 10 3200 c2070000 00 00"
        ),
        ("0x01 double", ["d": 1.0], "10000000 01 6400 000000000000f03f 00"),
        ("0x02 empty string", ["s": ""], "0d000000 02 7300 01000000 00 00"),
        ("0x03 empty document", ["x": [:]], "0d000000 03 7800 05000000 00 00"),
        ("0x04 empty array", ["a": []], "0d000000 04 6100 05000000 00 00"),
        (
            "0x04 array keys count up",
            ["a": [true, false]],
            "15000000 04 6100 0d000000 08 3000 01 08 3100 00 00 00"
        ),
        (
            "0x05 binary, user subtype",
            ["b": .binary(BSONBinary(subtype: 0x80, data: [1, 2, 3]))],
            "10000000 05 6200 03000000 80 010203 00"
        ),
        (
            "0x05 binary, old subtype 2 with its inner length",
            ["b": .binary(BSONBinary(subtype: 0x02, data: [0xFF]))],
            "12000000 05 6200 05000000 02 01000000 ff 00"
        ),
        ("0x06 undefined", ["u": .undefined], "08000000 06 7500 00"),
        ("0x07 ObjectId", ["_id": .objectID(Self.objectID)], "16000000 07 5f696400 \(Self.objectIDHex) 00"),
        ("0x08 booleans", ["t": true, "f": false], "0d000000 08 7400 01 08 6600 00 00"),
        ("0x09 datetime", ["d": .datetime(-1)], "10000000 09 6400 ffffffffffffffff 00"),
        ("0x0A null", ["n": nil], "08000000 0a 6e00 00"),
        (
            "0x0B regular expression",
            ["r": .regex(BSONRegex(pattern: "a.c", options: "im"))],
            "0f000000 0b 7200 612e6300 696d00 00"
        ),
        (
            "0x0C DBPointer",
            ["p": .dbPointer(namespace: "db.c", id: Self.objectID)],
            "1d000000 0c 7000 05000000 64622e6300 \(Self.objectIDHex) 00"
        ),
        ("0x0D JavaScript", ["j": .javascript("x")], "0e000000 0d 6a00 02000000 7800 00"),
        ("0x0E symbol", ["y": .symbol("x")], "0e000000 0e 7900 02000000 7800 00"),
        (
            "0x0F JavaScript with scope",
            ["c": .javascriptWithScope(code: "x", scope: ["y": .int32(1)])],
            "1e000000 0f 6300 16000000 02000000 7800 0c000000 10 7900 01000000 00 00"
        ),
        ("0x10 int32", ["i": .int32(-1)], "0c000000 10 6900 ffffffff 00"),
        (
            "0x11 timestamp, increment first",
            ["t": .timestamp(BSONTimestamp(seconds: 0x0102_0304, increment: 5))],
            "10000000 11 7400 05000000 04030201 00"
        ),
        ("0x12 int64", ["l": 1], "10000000 12 6c00 0100000000000000 00"),
        (
            "0x13 decimal128 1.5",
            ["d": .decimal128(BSONDecimal128(low: 15, high: 0x303E_0000_0000_0000))],
            "18000000 13 6400 0f00000000000000 000000000000 3e30 00"
        ),
        ("0x7F max key", ["k": .maxKey], "08000000 7f 6b00 00"),
        ("0xFF min key", ["k": .minKey], "08000000 ff 6b00 00"),
        ("empty document", [:], "05000000 00"),
    ]

    @Test(arguments: Self.cases.indices)
    func encodesToTheGoldenBytes(index: Int) throws {
        let golden = Self.cases[index]
        let expected = ByteBuffer(hex: golden.hex).hexString
        #expect(try golden.document.encodedHex() == expected, "\(golden.name)")
    }

    @Test(arguments: Self.cases.indices)
    func decodesTheGoldenBytes(index: Int) throws {
        let golden = Self.cases[index]
        let decoded = try BSONDocument(bytes: ByteBuffer(hex: golden.hex))
        #expect(decoded == golden.document, "\(golden.name)")
    }

    @Test func writeAppendsToWhatTheBufferHolds() throws {
        var buffer = ByteBuffer(bytes: [0xAA])
        try (["hello": "world"] as BSONDocument).write(to: &buffer)
        #expect(buffer.hexString == "aa" + ByteBuffer(hex: Self.cases[0].hex).hexString)
    }

    @Test func readTakesOneDocumentAndLeavesTheBytesAfterIt() throws {
        var buffer = ByteBuffer(hex: "16000000 02 68656c6c6f00 06000000 776f726c6400 00" + "0c000000 10 6900 ffffffff 00" + "ab")
        #expect(try BSONDocument.read(from: &buffer) == ["hello": "world"])
        #expect(try BSONDocument.read(from: &buffer) == ["i": .int32(-1)])
        #expect(buffer.hexString == "ab")
    }

    @Test func initRejectsTrailingBytes() throws {
        let error = try #require(throws: BSONError.self) {
            try BSONDocument(bytes: ByteBuffer(hex: "05000000 00 00"))
        }
        #expect(error.code == .trailingBytes)
        #expect(error.description == "BSONError(trailingBytes): 1 bytes follow the document")
    }

    @Test func decodesADocumentThatStartsPartWayIntoTheBuffer() throws {
        var buffer = ByteBuffer(hex: "ffff 0c000000 10 6900 02000000 00")
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(try BSONDocument(bytes: buffer) == ["i": .int32(2)])
    }
}
