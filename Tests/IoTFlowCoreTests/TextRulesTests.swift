import IoTFlowCore
import Testing

/// Free-text fields: surrounding spaces dropped, UTF-8 byte limits on the value as sent, empty means absent.
@Suite("Text field rules")
struct TextRulesTests {
    @Test("the limit counts the value as sent, before its surrounding spaces are dropped")
    func limitBeforeTrimming() throws {
        #expect(try Text.optional(String(repeating: "a", count: 50), field: "firmware_version", maxBytes: 50)?.utf8.count == 50)
        #expect(try Text.optional("  fw 1.0  ", field: "firmware_version", maxBytes: 50) == "fw 1.0")
        // What schemathesis sent: 51 bytes, 50 after trimming; the document's maxLength 50 says 400.
        let padded = " \u{13}fC=y" + String(repeating: "*", count: 45)
        #expect(padded.utf8.count == 51)
        let error = #expect(throws: IoTFlowError.self) { try Text.optional(padded, field: "firmware_version", maxBytes: 50) }
        #expect(error?.message.contains("firmware_version") == true)
        #expect(throws: IoTFlowError.self) { try Text.optional(String(repeating: "é", count: 26), field: "name", maxBytes: 50) }
    }

    @Test("empty or only spaces means not given")
    func emptyIsAbsent() throws {
        #expect(try Text.optional("", field: "location", maxBytes: 10) == nil)
        #expect(try Text.optional("   ", field: "location", maxBytes: 10) == nil)
        #expect(throws: IoTFlowError.self) { try Text.required("  ", field: "name", maxBytes: 10) }
    }
}
