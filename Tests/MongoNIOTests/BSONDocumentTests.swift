import Testing

@testable import MongoNIO

@Suite("BSON document")
struct BSONDocumentTests {
    @Test func keepsFieldOrderFromLiteralsAndPairs() {
        let literal: BSONDocument = ["z": 1, "a": "two", "m": nil]
        #expect(literal.keys == ["z", "a", "m"])
        #expect(literal.values == [.int64(1), .string("two"), .null])
        #expect(BSONDocument([("z", 1), ("a", "two"), ("m", nil)]) == literal)
        #expect(literal != ["a": "two", "z": 1, "m": nil])
    }

    @Test func subscriptReplacesInPlaceAppendsAndRemoves() {
        var document: BSONDocument = ["a": 1, "b": 2]
        document["a"] = "one"
        #expect(document.keys == ["a", "b"])
        #expect(document["a"] == "one")
        document["c"] = true
        #expect(document.keys == ["a", "b", "c"])
        document["a"] = nil
        #expect(document.keys == ["b", "c"])
        #expect(document["a"] == nil)
        #expect(document.count == 2)
        #expect(!document.isEmpty)
        #expect(BSONDocument().isEmpty)
    }

    @Test func duplicateKeysFromPairsAreKeptAndTheSubscriptSeesTheFirst() {
        var document = BSONDocument([("k", 1), ("x", 2), ("k", 3)])
        #expect(document.count == 3)
        #expect(document["k"] == 1)
        document["k"] = 9
        #expect(document.values == [9, 2, 3])
        document["k"] = nil
        #expect(document.keys == ["x"])
    }

    @Test func iteratesFieldsInOrder() {
        let document: BSONDocument = ["first": 1.5, "second": [1, "x"], "third": ["inner": false]]
        var seen: [String] = []
        for (key, value) in document {
            seen.append(key)
            #expect(document[key] == value)
        }
        #expect(seen == ["first", "second", "third"])
        #expect(document["second"] == .array([.int64(1), .string("x")]))
        #expect(document["third"]?.documentValue == ["inner": false])
    }
}
