import NIOCore
import Testing

@testable import MongoNIO

/// MongoNIO's BSON against pymongo's, an independent implementation (Tests/Support/mongo/bson_oracle.py): pymongo
/// encodes each canonical extended JSON line; MongoNIO must decode those bytes to the expected value and encode that
/// value to the same bytes; pymongo must decode MongoNIO's bytes back to the same line.
@Suite("BSON against pymongo")
struct BSONOracleTests {
    static let objectID = BSONObjectID(hex: "5f0c9b0e2a1b3c4d5e6f7a8b")!

    /// Canonical extended JSON, exactly as pymongo prints it (compact), and the value MongoNIO must see.
    static let cases: [(json: String, document: BSONDocument)] = [
        (#"{"hello":"world"}"#, ["hello": "world"]),
        (#"{"BSON":["awesome",{"$numberDouble":"5.05"},{"$numberInt":"1986"}]}"#, ["BSON": ["awesome", 5.05, .int32(1986)]]),
        (
            #"{"d":{"$numberDouble":"1.0"},"e":{"$numberDouble":"-0.0"},"f":{"$numberDouble":"0.0"},"g":{"$numberDouble":"1e+300"},"h":{"$numberDouble":"-2.5e-310"}}"#,
            ["d": 1.0, "e": .double(-0.0), "f": 0.0, "g": 1e300, "h": -2.5e-310]
        ),
        (
            #"{"nan":{"$numberDouble":"NaN"},"inf":{"$numberDouble":"Infinity"},"ninf":{"$numberDouble":"-Infinity"}}"#,
            ["nan": .double(.nan), "inf": .double(.infinity), "ninf": .double(-.infinity)]
        ),
        (
            #"{"i32min":{"$numberInt":"-2147483648"},"i32max":{"$numberInt":"2147483647"},"i64min":{"$numberLong":"-9223372036854775808"},"i64max":{"$numberLong":"9223372036854775807"},"zero":{"$numberLong":"0"}}"#,
            ["i32min": .int32(.min), "i32max": .int32(.max), "i64min": .int64(.min), "i64max": .int64(.max), "zero": 0]
        ),
        (
            #"{"empty":"","nul":"a\u0000b","unicode":"héllo wörld ✓ 𝄞 日本語"}"#,
            ["empty": "", "nul": "a\u{0}b", "unicode": "héllo wörld ✓ 𝄞 日本語"]
        ),
        (#"{"ключ":"значение","$db":"admin"}"#, ["ключ": "значение", "$db": "admin"]),
        (
            #"{"doc":{"a":{"b":{"c":{}}}},"arr":[[],[{"$numberInt":"1"},[]],{}]}"#,
            ["doc": ["a": ["b": ["c": [:]]]], "arr": [[], [.int32(1), []], [:]]]
        ),
        (
            #"{"b0":{"$binary":{"base64":"","subType":"00"}},"b2":{"$binary":{"base64":"/wA=","subType":"02"}},"b4":{"$binary":{"base64":"c//SZESzTGmQ6OfR38A11A==","subType":"04"}},"b80":{"$binary":{"base64":"AQID","subType":"80"}}}"#,
            [
                "b0": .binary(BSONBinary(data: [])),
                "b2": .binary(BSONBinary(subtype: 2, data: [0xFF, 0x00])),
                "b4": .binary(
                    BSONBinary(
                        subtype: 4,
                        data: [0x73, 0xFF, 0xD2, 0x64, 0x44, 0xB3, 0x4C, 0x69, 0x90, 0xE8, 0xE7, 0xD1, 0xDF, 0xC0, 0x35, 0xD4]
                    )
                ),
                "b80": .binary(BSONBinary(subtype: 0x80, data: [1, 2, 3])),
            ]
        ),
        (
            #"{"_id":{"$oid":"5f0c9b0e2a1b3c4d5e6f7a8b"},"t":true,"f":false,"n":null}"#,
            ["_id": .objectID(Self.objectID), "t": true, "f": false, "n": nil]
        ),
        (
            #"{"epoch":{"$date":{"$numberLong":"0"}},"before":{"$date":{"$numberLong":"-1"}},"far":{"$date":{"$numberLong":"253402300800000"}},"min":{"$date":{"$numberLong":"-9223372036854775808"}}}"#,
            ["epoch": .datetime(0), "before": .datetime(-1), "far": .datetime(253_402_300_800_000), "min": .datetime(.min)]
        ),
        (
            #"{"r":{"$regularExpression":{"pattern":"^a.c$","options":"imsx"}},"empty":{"$regularExpression":{"pattern":"","options":""}}}"#,
            ["r": .regex(BSONRegex(pattern: "^a.c$", options: "imsx")), "empty": .regex(BSONRegex(pattern: ""))]
        ),
        (
            #"{"code":{"$code":"function () { return 1; }"},"scoped":{"$code":"x","$scope":{"y":{"$numberInt":"1"}}}}"#,
            ["code": .javascript("function () { return 1; }"), "scoped": .javascriptWithScope(code: "x", scope: ["y": .int32(1)])]
        ),
        (
            #"{"ts":{"$timestamp":{"t":4294967295,"i":4294967295}},"ts0":{"$timestamp":{"t":0,"i":0}},"ts1":{"$timestamp":{"t":1700000000,"i":7}}}"#,
            [
                "ts": .timestamp(BSONTimestamp(seconds: .max, increment: .max)),
                "ts0": .timestamp(BSONTimestamp(seconds: 0, increment: 0)),
                "ts1": .timestamp(BSONTimestamp(seconds: 1_700_000_000, increment: 7)),
            ]
        ),
        (#"{"min":{"$minKey":1},"max":{"$maxKey":1}}"#, ["min": .minKey, "max": .maxKey]),
    ]

    /// Decimal128 values: MongoNIO has no decimal parser, so these are checked from pymongo's bytes: MongoNIO must
    /// print each as the spec's to-string algorithm does (pymongo's text) and re-encode it to the same bytes.
    static let decimals = [
        "1.5", "-0", "0E+3", "9.999999999999999999999999999999999E+6144", "1E-6176", "-1.23E-7", "0.000001234",
        "1234567890123456789012345678901234", "NaN", "Infinity", "-Infinity", "0.00", "1.0E+10", "12345.6789", "-1E-7",
        "0.000001", "1E+3", "-123456789.0123456789", "5E-7", "0E-6176", "-0E+6111",
    ]

    @Test func pymongoBytesDecodeToTheExpectedValuesAndMongoNIOEncodesTheSameBytes() async throws {
        let hex = try await PythonOracle.bsonEncode(Self.cases.map(\.json))
        for (index, (json, expected)) in Self.cases.enumerated() {
            try #require(!hex[index].hasPrefix("error"), "pymongo refused \(json): \(hex[index])")
            let decoded = try BSONDocument(bytes: ByteBuffer(hex: hex[index]))
            #expect(decoded.hasSameBits(as: expected), "\(json): decoded \(decoded)")
            #expect(try expected.encodedHex() == hex[index], "\(json)")
        }
    }

    @Test func pymongoDecodesMongoNIOBytesToTheSameExtendedJSON() async throws {
        let json = try await PythonOracle.bsonDecode(try Self.cases.map { try $0.document.encodedHex() })
        #expect(json == Self.cases.map(\.json))
    }

    @Test func decimal128FromPymongoPrintsAndReencodesExactly() async throws {
        let lines = Self.decimals.map { #"{"d":{"$numberDecimal":"\#($0)"}}"# }
        let hex = try await PythonOracle.bsonEncode(lines)
        var reencoded: [String] = []
        for (index, text) in Self.decimals.enumerated() {
            let document = try BSONDocument(bytes: ByteBuffer(hex: hex[index]))
            guard case .decimal128(let value) = try #require(document["d"]) else {
                Issue.record("\(text) did not decode to a decimal128: \(document)")
                continue
            }
            #expect(value.description == text)
            reencoded.append(try document.encodedHex())
            #expect(reencoded.last == hex[index], "\(text)")
        }
        #expect(try await PythonOracle.bsonDecode(reencoded) == lines)
    }

    @Test func pymongoReadsTheDeprecatedTypesMongoNIOWrites() async throws {
        // pymongo maps these onto its own types on the way in, so only this direction can be checked with it.
        let documents: [BSONDocument] = [
            ["u": .undefined],
            ["y": .symbol("x")],
            ["p": .dbPointer(namespace: "db.c", id: Self.objectID)],
        ]
        let json = try await PythonOracle.bsonDecode(try documents.map { try $0.encodedHex() })
        #expect(json == [#"{"u":null}"#, #"{"y":"x"}"#, #"{"p":{"$ref":"db.c","$id":{"$oid":"5f0c9b0e2a1b3c4d5e6f7a8b"}}}"#])
    }

    @Test func pymongoAlsoRejectsEveryMalformedCase() async throws {
        let cases = BSONRejectionTests.cases.filter { !$0.hex.isEmpty }
        let answers = try await PythonOracle.bsonDecode(cases.map { ByteBuffer(hex: $0.hex).hexString })
        for (bad, answer) in zip(cases, answers) {
            #expect(answer.hasPrefix("error: "), "pymongo accepted \(bad.name): \(answer)")
        }
    }

    @Test func objectIDsMongoNIOGeneratesArePymongoObjectIDs() async throws {
        let ids = (0..<3).map { _ in BSONObjectID() }
        let documents = ids.map { ["_id": .objectID($0)] as BSONDocument }
        let json = try await PythonOracle.bsonDecode(try documents.map { try $0.encodedHex() })
        #expect(json == ids.map { #"{"_id":{"$oid":"\#($0.hex)"}}"# })
    }
}

extension BSONDocument {
    /// Equality with doubles compared by bit pattern, so that NaN equals itself and -0.0 differs from 0.0.
    func hasSameBits(as other: BSONDocument) -> Bool {
        self.keys == other.keys && zip(self.values, other.values).allSatisfy { $0.hasSameBits(as: $1) }
    }
}

extension BSONValue {
    func hasSameBits(as other: BSONValue) -> Bool {
        switch (self, other) {
        case (.double(let left), .double(let right)):
            return left.bitPattern == right.bitPattern
        case (.document(let left), .document(let right)):
            return left.hasSameBits(as: right)
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.hasSameBits(as: $1) }
        case (.javascriptWithScope(let leftCode, let left), .javascriptWithScope(let rightCode, let right)):
            return leftCode == rightCode && left.hasSameBits(as: right)
        default:
            return self == other
        }
    }
}
