import NIOCore
import NIOTestUtils
import Testing

@testable import MongoNIO

/// OP_MSG bytes built by hand from the wire protocol spec (OP_MSG.md): header (messageLength, requestID, responseTo,
/// opCode 2013 = dd070000, all little-endian), flag bits, sections, optional CRC-32C.
@Suite("OP_MSG")
struct MongoMessageTests {
    static let helloBody = "1f000000 10 68656c6c6f00 01000000 02 24646200 06000000 61646d696e00 00"

    static let hello = (
        MongoMessage(requestID: 1, responseTo: 0, body: ["hello": .int32(1), "$db": "admin"]),
        "34000000 01000000 00000000 dd070000 00000000 00 \(helloBody)"
    )

    static let insert = (
        MongoMessage(
            requestID: 7,
            responseTo: 0,
            body: ["insert": "c", "$db": "test"],
            sequences: [MongoDocumentSequence(identifier: "documents", documents: [["_id": .int32(1)], ["_id": .int32(2)]])]
        ),
        """
        61000000 07000000 00000000 dd070000 00000000 \
        00 21000000 02 696e7365727400 02000000 6300 02 24646200 05000000 7465737400 00 \
        01 2a000000 646f63756d656e747300 0e000000 10 5f696400 01000000 00 0e000000 10 5f696400 02000000 00
        """
    )

    static let moreToCome = (
        MongoMessage(requestID: 9, responseTo: 5, flags: .moreToCome, body: ["ok": 1.0]),
        "26000000 09000000 05000000 dd070000 02000000 00 11000000 01 6f6b00 000000000000f03f 00"
    )

    /// The hello message with `checksumPresent`; the CRC-32C 0x67BB739E of its first 52 bytes was computed bit by bit
    /// outside this code base.
    static let checksummed = (
        MongoMessage(requestID: 1, responseTo: 0, flags: .checksumPresent, body: ["hello": .int32(1), "$db": "admin"]),
        "38000000 01000000 00000000 dd070000 01000000 00 \(helloBody) 9e73bb67"
    )

    static var goldens: [(MongoMessage, String)] {
        [Self.hello, Self.insert, Self.moreToCome, Self.checksummed]
    }

    @Test func encodesTheGoldenBytes() throws {
        for (message, hex) in Self.goldens {
            var buffer = ByteBuffer()
            try MongoMessageEncoder().encode(data: message, out: &buffer)
            #expect(buffer.hexString == ByteBuffer(hex: hex).hexString)
        }
    }

    @Test func decodesTheGoldenBytesByteAtATimeAndBatched() throws {
        let pairs = Self.goldens.map { (ByteBuffer(hex: $0.1), [$0.0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { MongoMessageDecoder() }
    }

    @Test func roundTripsSeveralSequencesEmptyOnesAndUnicode() throws {
        let message = MongoMessage(
            requestID: .max,
            responseTo: .min,
            flags: [.exhaustAllowed],
            body: ["update": "ünïcödé", "$db": "db"],
            sequences: [
                MongoDocumentSequence(identifier: "updates", documents: [["q": [:], "u": ["$set": ["x": 1]]]]),
                MongoDocumentSequence(identifier: "empty", documents: []),
                MongoDocumentSequence(identifier: "ключ", documents: [[:], ["a": [1, 2]]]),
            ]
        )
        var buffer = ByteBuffer()
        try message.write(to: &buffer)
        var decoder = MongoMessageDecoder()
        #expect(try decoder.decode(buffer: &buffer) == message)
        #expect(buffer.readableBytes == 0)
    }

    @Test func aPartialMessageConsumesNothing() throws {
        let whole = ByteBuffer(hex: Self.insert.1)
        var decoder = MongoMessageDecoder()
        for count in 0..<whole.readableBytes {
            var partial = whole.getSlice(at: 0, length: count)!
            #expect(try decoder.decode(buffer: &partial) == nil)
            #expect(partial.readerIndex == 0)
        }
    }

    private func decodeError(_ hex: String, decoder: MongoMessageDecoder = MongoMessageDecoder()) throws -> MongoWireError {
        var decoder = decoder
        var buffer = ByteBuffer(hex: hex)
        return try #require(throws: MongoWireError.self) { try decoder.decode(buffer: &buffer) }
    }

    @Test func lengthsBelowTheMinimumOrAboveTheCapAreRejectedFromTheFirstFourBytes() throws {
        #expect(try self.decodeError("14000000").code == .invalidLength)
        #expect(try self.decodeError("00000000").code == .invalidLength)
        #expect(try self.decodeError("ffffffff").code == .invalidLength)
        // The default cap is MongoDB's 48,000,000 bytes.
        #expect(try self.decodeError("016c dc02").code == .messageTooLarge)
        var atCap = ByteBuffer(hex: "006cdc02")
        var decoder = MongoMessageDecoder()
        #expect(try decoder.decode(buffer: &atCap) == nil)
        // The client lowers or raises the cap from hello's maxMessageSizeBytes.
        decoder.maxMessageSize = 51
        var hello = ByteBuffer(hex: Self.hello.1)
        let error = try #require(throws: MongoWireError.self) { try decoder.decode(buffer: &hello) }
        #expect(error.code == .messageTooLarge)
        #expect(error.description == "MongoWireError(messageTooLarge): message of 52 bytes exceeds the limit of 51 bytes")
        decoder.maxMessageSize = 52
        #expect(try decoder.decode(buffer: &hello) == Self.hello.0)
    }

    @Test func otherOpcodesAreRejectedAsSoonAsTheHeaderIsIn() throws {
        let compressed = try self.decodeError("34000000 01000000 00000000 dc070000")
        #expect(compressed.code == .unsupportedOpCode)
        #expect(compressed.message.contains("OP_COMPRESSED"))
        #expect(try self.decodeError("34000000 01000000 00000000 01000000").message.contains("OP_REPLY"))
        #expect(try self.decodeError("34000000 01000000 00000000 d4070000").message.contains("2004 is not OP_MSG"))
    }

    @Test func unknownRequiredFlagsAreRejectedAndUnknownOptionalOnesIgnored() throws {
        for flags in ["04000000", "00800000", "ffff0000"] {
            let error = try self.decodeError("34000000 01000000 00000000 dd070000 \(flags) 00 \(Self.helloBody)")
            #expect(error.code == .unknownRequiredFlags, "\(flags)")
        }
        var buffer = ByteBuffer(hex: "34000000 01000000 00000000 dd070000 0000f1ff 00 \(Self.helloBody)")
        var decoder = MongoMessageDecoder()
        let message = try #require(try decoder.decode(buffer: &buffer))
        #expect(message.flags.contains(.exhaustAllowed))
        #expect(message.flags.rawValue == 0xFFF1_0000)
    }

    @Test func aWrongChecksumIsRejected() throws {
        // The right checksum for other bytes: one byte of the body changed ("admin" to "admio").
        let changed =
            "38000000 01000000 00000000 dd070000 01000000 00 1f000000 10 68656c6c6f00 01000000 02 24646200 06000000 61646d696f00 00 9e73bb67"
        let error = try self.decodeError(changed)
        #expect(error.code == .checksumMismatch)
        let wrong = try self.decodeError("38000000 01000000 00000000 dd070000 01000000 00 \(Self.helloBody) 9e73bb68")
        #expect(wrong.code == .checksumMismatch)
        #expect(wrong.message == "checksum 0x68bb739e does not match the message's CRC-32C 0x67bb739e")
    }

    @Test func malformedSectionsAreRejected() throws {
        let cases: [(String, MongoWireError.Code)] = [
            // Only a document sequence, no body.
            ("28000000 01000000 00000000 dd070000 00000000 01 13000000 646f63756d656e747300 05000000 00", .invalidSections),
            // Two bodies.
            ("20000000 01000000 00000000 dd070000 00000000 00 05000000 00 00 05000000 00", .invalidSections),
            // Section kind 2 (internal to the server).
            ("1a000000 01000000 00000000 dd070000 00000000 02 05000000 00", .invalidSections),
            // A sequence declaring more bytes than the message has.
            ("26000000 01000000 00000000 dd070000 00000000 00 05000000 00 01 20000000 6100 05000000 00", .invalidSections),
            // A sequence whose identifier has no NUL within its size.
            ("21000000 01000000 00000000 dd070000 00000000 00 05000000 00 01 06000000 6162", .invalidSections),
            // A sequence size below 5.
            ("1f000000 01000000 00000000 dd070000 00000000 00 05000000 00 01 04000000", .invalidSections),
            // A body that runs past the message.
            ("1a000000 01000000 00000000 dd070000 00000000 00 06000000 00", .invalidDocument),
            // A header and flags and nothing else.
            ("15000000 01000000 00000000 dd070000 00000000 00", .invalidDocument),
            // A checksummed message too short to hold its checksum.
            ("18000000 01000000 00000000 dd070000 01000000 00000000", .invalidLength),
        ]
        for (hex, code) in cases {
            let error = try self.decodeError(hex)
            #expect(error.code == code, "\(hex): \(error)")
        }
    }

    @Test func aMalformedDocumentCarriesItsBSONError() throws {
        let badBool = try self.decodeError("1e000000 01000000 00000000 dd070000 00000000 00 09000000 08 6200 02 00")
        #expect(badBool.code == .invalidDocument)
        #expect(badBool.bsonError?.code == .invalidValue)
        #expect(badBool.message.hasPrefix("body at byte 21: BSONError(invalidValue)"))
    }

    @Test func documentsAreDecodedWithTheDecodersLimits() throws {
        let decoder = MongoMessageDecoder(limits: BSONLimits(maxDocumentSize: 30))
        let error = try self.decodeError(Self.hello.1, decoder: decoder)
        #expect(error.bsonError?.code == .documentTooLarge)
        var buffer = ByteBuffer(hex: Self.hello.1)
        var roomy = MongoMessageDecoder(limits: BSONLimits(maxDocumentSize: 31))
        #expect(try roomy.decode(buffer: &buffer) == Self.hello.0)
    }

    @Test func encodingRejectsANulInAnIdentifierAndLeavesTheBuffer() throws {
        let message = MongoMessage(
            requestID: 1,
            responseTo: 0,
            body: ["insert": "c"],
            sequences: [MongoDocumentSequence(identifier: "docu\u{0}ments", documents: [])]
        )
        var buffer = ByteBuffer(bytes: [0xAB])
        let error = try #require(throws: MongoWireError.self) { try message.write(to: &buffer) }
        #expect(error.code == .invalidMessage)
        #expect(buffer.hexString == "ab")
        let badKey = MongoMessage(requestID: 1, responseTo: 0, body: ["a\u{0}": 1])
        let keyError = try #require(throws: MongoWireError.self) { try badKey.write(to: &buffer) }
        #expect(keyError.bsonError?.code == .invalidCString)
        #expect(buffer.hexString == "ab")
    }

    @Test func pymongoMessagesDecodeAndReencodeByteForByte() async throws {
        let requests = [
            #"{"db":"admin","command":{"hello":{"$numberInt":"1"}}}"#,
            #"{"db":"test","command":{"insert":"c","documents":[{"_id":{"$numberInt":"1"}},{"_id":{"$numberInt":"2"}}],"ordered":true}}"#,
            #"{"db":"test","command":{"delete":"c","deletes":[{"q":{"x":{"$numberLong":"5"}},"limit":{"$numberInt":"0"}}]}}"#,
        ]
        let expected: [(BSONDocument, [MongoDocumentSequence])] = [
            (["hello": .int32(1), "$db": "admin"], []),
            (
                ["insert": "c", "ordered": true, "$db": "test"],
                [MongoDocumentSequence(identifier: "documents", documents: [["_id": .int32(1)], ["_id": .int32(2)]])]
            ),
            (
                ["delete": "c", "$db": "test"],
                [MongoDocumentSequence(identifier: "deletes", documents: [["q": ["x": 5], "limit": .int32(0)]])]
            ),
        ]
        let hex = try await PythonOracle.opMsg(requests)
        for (index, line) in hex.enumerated() {
            try #require(!line.hasPrefix("error"), "pymongo refused \(requests[index]): \(line)")
            var buffer = ByteBuffer(hex: line)
            var decoder = MongoMessageDecoder()
            let message = try #require(try decoder.decode(buffer: &buffer))
            #expect(message.body == expected[index].0)
            #expect(message.sequences == expected[index].1)
            #expect(message.flags == [])
            var reencoded = ByteBuffer()
            try message.write(to: &reencoded)
            #expect(reencoded.hexString == line)
        }
    }
}
