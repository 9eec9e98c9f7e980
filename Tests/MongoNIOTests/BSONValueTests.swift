import Testing

@testable import MongoNIO

@Suite("BSON value")
struct BSONValueTests {
    @Test func literalsPickTheDocumentedCases() {
        let values: [BSONValue] = ["text", 42, 1.5, true, nil, [1, "a"], ["k": 1]]
        #expect(
            values == [
                .string("text"), .int64(42), .double(1.5), .bool(true), .null, .array([.int64(1), .string("a")]),
                .document(BSONDocument([("k", .int64(1))])),
            ]
        )
    }

    @Test func int64ValueAcceptsIntegersAndExactlyIntegralDoubles() {
        #expect(BSONValue.int32(-7).int64Value == -7)
        #expect(BSONValue.int64(.max).int64Value == .max)
        #expect(BSONValue.double(3.0).int64Value == 3)
        #expect(BSONValue.double(-0.0).int64Value == 0)
        #expect(BSONValue.double(3.5).int64Value == nil)
        #expect(BSONValue.double(.nan).int64Value == nil)
        #expect(BSONValue.double(9.3e18).int64Value == nil)
        #expect(BSONValue.double(-9_223_372_036_854_775_808.0).int64Value == .min)
        #expect(BSONValue.string("3").int64Value == nil)
        #expect(BSONValue.datetime(5).int64Value == nil)
    }

    @Test func doubleValueAcceptsEveryBinaryNumber() {
        #expect(BSONValue.double(2.5).doubleValue == 2.5)
        #expect(BSONValue.int32(.min).doubleValue == -2_147_483_648)
        #expect(BSONValue.int64(1 << 53).doubleValue == 9_007_199_254_740_992)
        #expect(BSONValue.bool(true).doubleValue == nil)
        #expect(BSONValue.decimal128(BSONDecimal128(low: 15, high: 0x303E_0000_0000_0000)).doubleValue == nil)
    }

    @Test func accessorsReturnNilForOtherCases() throws {
        let id = BSONObjectID(timestamp: 1)
        let binary = BSONBinary(subtype: 4, data: [1])
        #expect(BSONValue.string("s").stringValue == "s")
        #expect(BSONValue.symbol("s").stringValue == nil)
        #expect(BSONValue.bool(false).boolValue == false)
        #expect(BSONValue.int32(0).boolValue == nil)
        #expect(BSONValue.document(["a": 1]).documentValue == ["a": 1])
        #expect(BSONValue.array([1]).documentValue == nil)
        #expect(BSONValue.array([1]).arrayValue == [1])
        #expect(BSONValue.datetime(-5).datetimeValue == -5)
        #expect(BSONValue.int64(-5).datetimeValue == nil)
        #expect(BSONValue.objectID(id).objectIDValue == id)
        #expect(BSONValue.binary(binary).binaryValue == binary)
        #expect(BSONValue.null.isNull)
        #expect(!BSONValue.undefined.isNull)
        #expect(BSONValue.null.stringValue == nil)
    }
}

@Suite("BSON description")
struct BSONDescriptionTests {
    @Test func showsTypesThatEqualityTellsApart() {
        let document: BSONDocument = [
            "s": "a\"b", "i32": .int32(1), "i64": 1, "d": 1.0, "n": nil, "a": [true, .datetime(5)],
            "id": .objectID(BSONObjectID(hex: "5f0c9b0e2a1b3c4d5e6f7a8b")!), "dec": .decimal128(BSONDecimal128(low: 15, high: 0x303E_0000_0000_0000)),
        ]
        #expect(
            document.description
                == #"{"s": "a\"b", "i32": Int32(1), "i64": 1, "d": 1.0, "n": null, "a": [true, Date(5)], "id": ObjectId("5f0c9b0e2a1b3c4d5e6f7a8b"), "dec": Decimal128("1.5")}"#
        )
    }
}
