import IoTFlowCore
import Testing

@Suite("AccountRules")
struct AccountRulesTests {
    @Test("valid usernames", arguments: ["abc", "a_b.c-d", "User123", String(repeating: "u", count: 80)])
    func validUsername(name: String) {
        #expect(throws: Never.self) { try AccountRules.validateUsername(name) }
    }

    @Test("invalid usernames", arguments: ["", "ab", String(repeating: "u", count: 81), "a b", "ümlaut", "a@b", "abc!", "abc\n", "中文字"])
    func invalidUsername(name: String) {
        let error = #expect(throws: IoTFlowError.self) { try AccountRules.validateUsername(name) }
        #expect(error?.kind == .badRequest)
    }

    @Test(
        "emails are lowercased",
        arguments: [
            ("Alice@Example.COM", "alice@example.com"), ("bob.smith+tag@mail.example.org", "bob.smith+tag@mail.example.org"),
        ])
    func validEmail(email: String, normalized: String) throws {
        #expect(try AccountRules.normalizedEmail(email) == normalized)
    }

    @Test(
        "invalid emails",
        arguments: [
            "", "alice", "@example.com", "alice@", "alice@example", "a@@b.com", "a@b@c.com", "alice@.example.com", "alice@example.com.",
            "alice@exa..mple.com", "al ice@example.com", "<a@b.com>", "a,b@c.com", String(repeating: "a", count: 250) + "@b.co",
        ])
    func invalidEmail(email: String) {
        let error = #expect(throws: IoTFlowError.self) { try AccountRules.normalizedEmail(email) }
        #expect(error?.kind == .badRequest)
    }

    @Test("passwords: at least 8 characters, at most 72 bytes")
    func passwords() {
        for valid in ["12345678", String(repeating: "p", count: 72), String(repeating: "é", count: 8), String(repeating: "é", count: 36)] {
            #expect(throws: Never.self) { try AccountRules.validatePassword(valid) }
        }
        for invalid in ["", "1234567", String(repeating: "p", count: 73), String(repeating: "é", count: 7), String(repeating: "é", count: 37)] {
            let error = #expect(throws: IoTFlowError.self) { try AccountRules.validatePassword(invalid) }
            #expect(error?.kind == .badRequest)
        }
    }
}
