import NIOCore
import Testing

@testable import MongoNIO

/// Malformed documents the decoder must refuse, each with the code it must refuse it with. BSONOracleTests checks
/// that pymongo refuses every one of them too, so none is a valid document this table gets wrong.
@Suite("BSON rejections")
struct BSONRejectionTests {
    static let cases: [(name: String, hex: String, code: BSONError.Code)] = [
        ("no bytes", "", .truncated),
        ("three bytes", "050000", .truncated),
        ("length prefix beyond the bytes", "17000000 02 68656c6c6f00 06000000 776f726c6400 00", .truncated),
        ("length prefix short of the fields", "15000000 02 68656c6c6f00 06000000 776f726c6400 00", .truncated),
        ("length prefix below 5", "04000000 00", .invalidLength),
        ("negative length prefix", "ffffffff 00", .invalidLength),
        ("no terminator", "16000000 02 68656c6c6f00 06000000 776f726c6400 01", .missingTerminator),
        ("terminator before the declared end", "0e000000 10 6100 01000000 00 00 00", .invalidLength),
        ("invalid UTF-8 in a string", "16000000 02 68656c6c6f00 06000000 77ff726c6400 00", .invalidUTF8),
        ("invalid UTF-8 in a key", "16000000 02 68c36c6c6f00 06000000 776f726c6400 00", .invalidUTF8),
        ("overlong UTF-8", "0f000000 02 7300 03000000 c0af00 00", .invalidUTF8),
        ("UTF-8 of a surrogate", "10000000 02 7300 04000000 eda08000 00", .invalidUTF8),
        ("string length 0", "0c000000 02 7300 00000000 00", .invalidLength),
        ("negative string length", "0c000000 02 7300 ffffffff 00", .invalidLength),
        ("string without its NUL", "16000000 02 68656c6c6f00 06000000 776f726c6473 00", .missingTerminator),
        ("string length beyond the document", "16000000 02 68656c6c6f00 07000000 776f726c6400 00", .truncated),
        ("string length short of the NUL", "16000000 02 68656c6c6f00 05000000 776f726c6400 00", .missingTerminator),
        ("boolean byte 2", "09000000 08 6200 02 00", .invalidValue),
        ("boolean byte 2 in an array", "15000000 04 6100 0d000000 08 3000 02 08 3100 00 00 00", .invalidValue),
        ("type 0x14", "0c000000 14 6100 00000000 00", .unknownType),
        ("type 0x80", "0c000000 80 6100 00000000 00", .unknownType),
        ("key without its NUL", "09000000 10 616263 00", .missingTerminator),
        ("int32 cut short by the document", "0a000000 10 6100 0100 00", .truncated),
        ("embedded document longer than its parent", "0d000000 03 7800 06000000 00 00", .truncated),
        ("embedded document length below 5", "0d000000 03 7800 04000000 00 00", .invalidLength),
        ("negative binary length", "0d000000 05 6200 ffffffff 00 00", .invalidLength),
        ("binary length beyond the document", "10000000 05 6200 09000000 80 010203 00", .truncated),
        ("old binary with a wrong inner length", "12000000 05 6200 05000000 02 02000000 ff 00", .invalidLength),
        ("old binary too short for its inner length", "10000000 05 6200 03000000 02 010203 00", .invalidLength),
        (
            "code with scope longer than its parts",
            "1f000000 0f 6300 17000000 02000000 7800 0c000000 10 7900 01000000 00 ee 00",
            .invalidLength
        ),
        ("code with scope below 14 bytes", "0c000000 0f 6300 0d000000 00", .invalidLength),
        ("regex pattern without its NUL", "0a000000 0b 7200 6162 00", .missingTerminator),
        ("ObjectId cut short by the document", "0d000000 07 6900 01020304 05 00", .truncated),
    ]

    @Test(arguments: Self.cases.indices)
    func rejectsWithItsCodeAndLeavesTheReaderIndex(index: Int) throws {
        let bad = Self.cases[index]
        var buffer = ByteBuffer(hex: bad.hex)
        let error = try #require(throws: BSONError.self, "\(bad.name)") { try BSONDocument.read(from: &buffer) }
        #expect(error.code == bad.code, "\(bad.name): \(error)")
        #expect(buffer.readerIndex == 0, "\(bad.name)")
        #expect(throws: BSONError.self, "\(bad.name)") { try BSONDocument(bytes: ByteBuffer(hex: bad.hex)) }
    }

    @Test func messagesSayWhatAndWhere() throws {
        let messages = Self.cases.compactMap { bad -> String? in
            do {
                _ = try BSONDocument(bytes: ByteBuffer(hex: bad.hex))
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(messages.count == Self.cases.count)
        #expect(messages[8] == "BSONError(invalidUTF8): string value of \"hello\" at byte 11 is not valid UTF-8")
        #expect(messages[17] == "BSONError(invalidValue): boolean value of \"b\" at byte 7 is 2, not 0 or 1")
        #expect(messages[19] == "BSONError(unknownType): unknown element type 0x14 for key \"a\"")
        #expect(messages[23] == "BSONError(truncated): value of \"x\" at byte 7 declares 6 bytes, but only 5 are left")
    }

    @Test func everyStringTypeChecksUTF8() throws {
        // JavaScript, symbol and DBPointer namespaces are strings too; a regex is two C strings.
        let bad = [
            "0e000000 0d 6a00 02000000 ff00 00",
            "0e000000 0e 7900 02000000 ff00 00",
            "1a000000 0c 7000 02000000 ff00 5f0c9b0e2a1b3c4d5e6f7a8b 00",
            "0b000000 0b 7200 ff00 00 00",
            "0b000000 0b 7200 00 ff00 00",
        ]
        for hex in bad {
            let error = try #require(throws: BSONError.self) { try BSONDocument(bytes: ByteBuffer(hex: hex)) }
            #expect(error.code == .invalidUTF8, "\(hex): \(error)")
        }
    }
}
