import IoTFlowCore
import Testing

@Suite("JSONParser: accepted documents")
struct JSONParserValueTests {
    @Test(
        "integers stay integers, fractions and exponents become doubles",
        arguments: [
            ("1", JSONValue.int(1)),
            ("0", .int(0)),
            ("-0", .int(0)),
            ("-17", .int(-17)),
            ("1.5", .double(1.5)),
            ("1.0", .double(1)),
            ("1e3", .double(1000)),
            ("1E+2", .double(100)),
            ("-2.5e-3", .double(-0.0025)),
            ("0.25", .double(0.25)),
            ("9223372036854775807", .int(Int64.max)),
            ("-9223372036854775808", .int(Int64.min)),
            ("9223372036854775808", .double(9.223372036854775808e18)),
            ("-9223372036854775809", .double(-9.223372036854775809e18)),
            ("123456789012345678901234567890", .double(1.2345678901234568e29)),
        ])
    func numbers(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("literals")
    func literals() throws {
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("null") == .null)
    }

    @Test(
        "string escapes",
        arguments: [
            (#""plain""#, "plain"),
            (#""""#, ""),
            (#""\u00e9""#, "é"),
            (#""\u00E9t\u00e9""#, "été"),
            (#""\u0041\u0000""#, "A\u{0}"),
            (#""\ud83d\ude00""#, "😀"),
            (#""a\ud83d\ude00b""#, "a😀b"),
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
            ("\"h\u{E9}llo \u{1F600}\"", "héllo 😀"),
            (#""tab\tthen é""#, "tab\tthen é"),
        ])
    func strings(text: String, expected: String) throws {
        #expect(try JSONParser.parse(text) == .string(expected))
    }

    @Test("objects keep member order; nested values; surrounding whitespace")
    func nested() throws {
        let text = " \n\t{\"a\": 1, \"b\" : [true, false, null, \"x\"],\r\n \"c\": {\"d\": {\"e\": []}, \"f\": {}}, \"g\": -2.5} \n"
        let value = try JSONParser.parse(text)
        let expected: JSONValue = [
            "a": 1,
            "b": [true, false, nil, "x"],
            "c": ["d": ["e": []], "f": [:]],
            "g": -2.5,
        ]
        #expect(value == expected)
        let object = try #require(value.objectValue)
        #expect(object.members.map(\.key) == ["a", "b", "c", "g"])
    }

    @Test("a repeated key keeps both members and the last one wins on lookup")
    func repeatedKey() throws {
        let object = try #require(try JSONParser.parse(#"{"k":1,"k":2}"#).objectValue)
        #expect(object.count == 2)
        #expect(object["k"] == .int(2))
    }

    @Test("empty containers")
    func emptyContainers() throws {
        #expect(try JSONParser.parse("[]") == .array([]))
        #expect(try JSONParser.parse("{ }") == .object(JSONObject()))
        #expect(try JSONParser.parse("[ [ ] , { } ]") == [[], [:]])
    }

    @Test("parses bytes as well as strings")
    func bytes() throws {
        let bytes: [UInt8] = Array(#"{"k":"é"}"#.utf8)
        #expect(try JSONParser.parse(bytes) == ["k": "é"])
    }

    @Test("nesting up to 64 levels is accepted")
    func maximumDepth() throws {
        let arrays = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(arrays) }
        let objects = String(repeating: #"{"a":"#, count: 63) + "{}" + String(repeating: "}", count: 63)
        #expect(throws: Never.self) { try JSONParser.parse(objects) }
    }
}
