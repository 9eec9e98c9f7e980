import NIOCore
import Testing

@testable import MongoNIO

@Suite("BSON edge values")
struct BSONEdgeValueTests {
    private func roundTrip(_ document: BSONDocument, limits: BSONLimits = BSONLimits()) throws -> BSONDocument {
        try BSONDocument(bytes: try document.encoded(), limits: limits)
    }

    @Test func integerExtremesRoundTripExactly() throws {
        let document: BSONDocument = [
            "i32min": .int32(.min), "i32max": .int32(.max), "i64min": .int64(.min), "i64max": .int64(.max), "zero": .int32(0),
        ]
        #expect(try self.roundTrip(document) == document)
        #expect(
            try document.encodedHex()
                == ByteBuffer(
                    hex: """
                        47000000 10 6933326d696e00 00000080 10 6933326d617800 ffffff7f 12 6936346d696e00 0000000000000080 \
                        12 6936346d617800 ffffffffffffff7f 10 7a65726f00 00000000 00
                        """
                ).hexString
        )
    }

    @Test func negativeZeroKeepsItsSignBit() throws {
        let document: BSONDocument = ["z": .double(-0.0)]
        #expect(try document.encodedHex() == ByteBuffer(hex: "10000000 01 7a00 0000000000000080 00").hexString)
        let decoded = try #require(try self.roundTrip(document)["z"]?.doubleValue)
        #expect(decoded.bitPattern == (-0.0 as Double).bitPattern)
        #expect(decoded.sign == .minus)
    }

    @Test func nanAndInfinitiesRoundTripBitForBit() throws {
        // A NaN with a payload as well as the quiet NaN: the codec moves bits and must not canonicalise them.
        let payloadNaN = Double(bitPattern: 0x7FF0_0000_0000_0001)
        let values: [Double] = [.nan, -.nan, payloadNaN, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        let document = BSONDocument(values.enumerated().map { (String($0.offset), BSONValue.double($0.element)) })
        let decoded = try self.roundTrip(document).values.map { $0.doubleValue?.bitPattern }
        #expect(decoded == values.map(\.bitPattern))
        #expect(try document.encodedHex().contains("000000000000f87f"))
        #expect(try document.encodedHex().contains("000000000000f0ff"))
    }

    @Test func emptyContainersAndStringsRoundTrip() throws {
        let document: BSONDocument = [
            "doc": [:], "array": [], "string": "", "binary": .binary(BSONBinary(data: [])), "regex": .regex(BSONRegex(pattern: "")),
        ]
        #expect(try self.roundTrip(document) == document)
        #expect(try BSONDocument(bytes: ByteBuffer(hex: "05000000 00")).isEmpty)
    }

    @Test func unicodeKeysAndStringsRoundTripAsUTF8() throws {
        let document: BSONDocument = ["ключ": "значение", "é": "✓ 𝄞 日本語", "nul inside": "a\u{0}b"]
        #expect(try self.roundTrip(document) == document)
        #expect(try document.encodedHex().contains("d0bad0bbd18ed18700"))
        // The NUL inside a string value is fine: strings are length-prefixed.
        #expect(try document.encodedHex().contains("04000000 61 00 62 00".replacingOccurrences(of: " ", with: "")))
    }

    @Test func oldBinaryWithNoDataRoundTrips() throws {
        let document: BSONDocument = ["b": .binary(BSONBinary(subtype: BSONBinary.oldBinarySubtype, data: []))]
        #expect(try document.encodedHex() == ByteBuffer(hex: "11000000 05 6200 04000000 02 00000000 00").hexString)
        #expect(try self.roundTrip(document) == document)
    }

    /// A document whose innermost level is `depth` deep, the top-level document being depth 1; odd levels are
    /// documents, even ones arrays, so both count.
    private func nested(depth: Int) -> BSONDocument {
        var value: BSONValue = .int32(1)
        for level in stride(from: depth, to: 1, by: -1) {
            value = level.isMultiple(of: 2) ? .array([value]) : .document(["d": value])
        }
        return ["d": value]
    }

    @Test func nestingAtTheLimitIsAcceptedAndOneBeyondRejected() throws {
        let limits = BSONLimits(maxDepth: 100)
        let atLimit = self.nested(depth: 100)
        #expect(try self.roundTrip(atLimit, limits: limits) == atLimit)
        let error = try #require(throws: BSONError.self) { try self.roundTrip(self.nested(depth: 101), limits: limits) }
        #expect(error.code == .nestingTooDeep)
        #expect(error.message.contains("beyond the limit of 100"))
        // The default is the same 100 levels.
        #expect(try self.roundTrip(atLimit) == atLimit)
        #expect(throws: BSONError.self) { try self.roundTrip(self.nested(depth: 101)) }
    }

    @Test func aScopeCountsAsANestingLevel() throws {
        let document: BSONDocument = ["c": .javascriptWithScope(code: "x", scope: ["s": ["t": 1]])]
        #expect(try self.roundTrip(document, limits: BSONLimits(maxDepth: 3)) == document)
        let error = try #require(throws: BSONError.self) { try self.roundTrip(document, limits: BSONLimits(maxDepth: 2)) }
        #expect(error.code == .nestingTooDeep)
    }

    @Test func sizeAtTheLimitIsAcceptedAndOneByteOverRejected() throws {
        let document: BSONDocument = ["s": .string(String(repeating: "x", count: 100))]
        let size = try document.encoded().readableBytes
        #expect(try self.roundTrip(document, limits: BSONLimits(maxDocumentSize: size)) == document)
        let error = try #require(throws: BSONError.self) { try self.roundTrip(document, limits: BSONLimits(maxDocumentSize: size - 1)) }
        #expect(error.code == .documentTooLarge)
    }

    @Test func theDefaultSizeLimitIsCheckedFromTheLengthPrefixAlone() throws {
        // 16 MiB + 1 declared in four bytes: rejected for its size before the decoder looks for the missing bytes.
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(16 * 1024 * 1024 + 1), endianness: .little)
        let error = try #require(throws: BSONError.self) { try BSONDocument.read(from: &buffer) }
        #expect(error.code == .documentTooLarge)
        #expect(buffer.readerIndex == 0)
        var atLimit = ByteBuffer()
        atLimit.writeInteger(Int32(16 * 1024 * 1024), endianness: .little)
        #expect(throws: BSONError(code: .truncated, message: "document at byte 0 declares 16777216 bytes, but only 4 are left")) {
            try BSONDocument.read(from: &atLimit)
        }
    }

    @Test func aNulInAKeyOrRegexIsRejectedOnEncodeAndTheBufferIsLeftAsItWas() throws {
        let bad: [BSONDocument] = [
            ["a\u{0}b": 1],
            ["ok": ["inner\u{0}": 1]],
            ["ok": [1, ["x\u{0}": true]]],
            ["r": .regex(BSONRegex(pattern: "a\u{0}"))],
            ["r": .regex(BSONRegex(pattern: "a", options: "i\u{0}"))],
            ["c": .javascriptWithScope(code: "x", scope: ["\u{0}": 1])],
        ]
        for document in bad {
            var buffer = ByteBuffer(bytes: [1, 2, 3])
            let error = try #require(throws: BSONError.self) { try document.write(to: &buffer) }
            #expect(error.code == .invalidCString)
            #expect(buffer.hexString == "010203")
        }
    }

    @Test func duplicateKeysDecodeAsTheyCame() throws {
        let document = try BSONDocument(bytes: ByteBuffer(hex: "13000000 10 6b00 01000000 10 6b00 02000000 00"))
        #expect(document.keys == ["k", "k"])
        #expect(document["k"] == .int32(1))
        #expect(try document.encodedHex() == ByteBuffer(hex: "13000000 10 6b00 01000000 10 6b00 02000000 00").hexString)
    }

    @Test func arrayKeysAreNotCheckedOnlyTheirOrderKept() throws {
        let document = try BSONDocument(bytes: ByteBuffer(hex: "15000000 04 6100 0d000000 08 7a00 01 08 7900 00 00 00"))
        #expect(document == ["a": [true, false]])
    }
}
