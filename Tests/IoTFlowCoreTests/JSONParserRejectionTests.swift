import IoTFlowCore
import Testing

@Suite("JSONParser: rejected documents")
struct JSONParserRejectionTests {
    @Test(
        "malformed structure and trailing garbage",
        arguments: [
            "", "   ", "{} x", "1 2", "[1,]", "{\"a\":1,}", "{a:1}", "[1 2]", "{\"a\" 1}", "[", "{\"a\":", "]", "tru", "nul", "truex",
            "True", "'a'", "{\"a\":1}}", "[1]]", "1\u{0}",
        ])
    func malformed(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test(
        "invalid numbers",
        arguments: [
            "NaN", "Infinity", "-Infinity", "01", "-01", "00", "[01]", "{\"a\":01}", "1.", ".5", "+1", "1e", "1e+", "-", "0x10", "1.5.2",
            "1e400", "-1e400",
        ])
    func invalidNumbers(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test(
        "bad strings: unterminated, control characters, bad escapes",
        arguments: [
            "\"abc", "\"abc\\", "\"abc\\\"", "\"a\u{01}b\"", "\"line\nbreak\"", "\"tab\there\"", "\"esc\\n then \u{1F}\"", #""\x""#, #""\u12""#,
            #""\u12G4""#, #""\'""#,
        ])
    func badStrings(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test(
        "lone or mismatched surrogates",
        arguments: [
            #""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ud83d\ud83d""#, #""\ude00\ud83d""#, #""\ud83d\n""#,
        ])
    func loneSurrogates(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test(
        "invalid UTF-8 bytes inside strings",
        arguments: [
            [0x22, 0xFF, 0x22],
            [0x22, 0xC3, 0x22],
            [0x22, 0xC0, 0xAF, 0x22],
            [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0x61, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22],
            [0x22, 0x5C, 0x6E, 0xFF, 0x22],
        ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes) }
    }

    @Test("nesting deeper than 64 levels")
    func tooDeep() {
        let arrays = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(arrays) }
        let objects = String(repeating: #"{"a":"#, count: 64) + "{}" + String(repeating: "}", count: 64)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(objects) }
        let mixed = String(repeating: #"[{"a":"#, count: 33) + "1" + String(repeating: "}]", count: 33)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(mixed) }
    }

    @Test("a custom maximum depth is honoured")
    func customDepth() {
        #expect(throws: Never.self) { try JSONParser.parse(Array("[[1]]".utf8), maxDepth: 2) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array("[[[1]]]".utf8), maxDepth: 2) }
    }

    @Test("the failure description names the byte offset")
    func failureOffset() {
        let failure = #expect(throws: JSONParser.Failure.self) { try JSONParser.parse("[1, x]") }
        #expect(failure?.description.hasSuffix("at byte 4") == true)
    }
}
