import IoTFlowCore
import Testing

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("compact output in member order")
    func compact() {
        let value: JSONValue = ["b": 1, "a": [true, false, nil], "c": ["d": "e"], "f": -2.5, "g": [], "h": [:]]
        #expect(JSONWriter.string(value) == #"{"b":1,"a":[true,false,null],"c":{"d":"e"},"f":-2.5,"g":[],"h":{}}"#)
    }

    @Test(
        "scalars",
        arguments: [
            (JSONValue.null, "null"),
            (.bool(true), "true"),
            (.int(-42), "-42"),
            (.int(Int64.max), "9223372036854775807"),
            (.double(1.5), "1.5"),
            (.double(1000), "1000.0"),
            (.double(1e300), "1e+300"),
            (.double(.nan), "null"),
            (.double(.infinity), "null"),
            (.double(-.infinity), "null"),
        ])
    func scalars(value: JSONValue, expected: String) {
        #expect(JSONWriter.string(value) == expected)
    }

    @Test(
        "string escaping",
        arguments: [
            ("plain", #""plain""#),
            ("q\"b\\s/", #""q\"b\\s/""#),
            ("l\nr\rt\t", #""l\nr\rt\t""#),
            ("\u{0}\u{1}\u{8}\u{C}\u{1F}", #""\u0000\u0001\u0008\u000c\u001f""#),
            ("é😀", "\"é😀\""),
            ("\u{7F}", "\"\u{7F}\""),
        ])
    func escaping(text: String, expected: String) {
        #expect(JSONWriter.string(.string(text)) == expected)
    }

    @Test("bytes and string agree, and write appends")
    func bytesAndAppend() {
        let value: JSONValue = ["k": "é"]
        #expect(JSONWriter.bytes(value) == Array(#"{"k":"é"}"#.utf8))
        var output = Array("x".utf8)
        JSONWriter.write([1, 2], into: &output)
        #expect(output == Array("x[1,2]".utf8))
    }
}
