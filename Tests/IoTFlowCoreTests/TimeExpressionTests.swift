import IoTFlowCore
import Testing

private let now: Int64 = 1_764_410_130_123  // 2025-11-29T09:55:30.123Z

@Suite("TimeExpression.resolve")
struct TimeExpressionTests {
    @Test(
        "accepted text forms",
        arguments: [
            ("now", now),
            ("-30s", now - 30_000),
            ("-15m", now - 900_000),
            ("-1h", now - 3_600_000),
            ("-7d", now - 604_800_000),
            ("-2w", now - 1_209_600_000),
            ("-0m", now),
            ("-24h", now - 86_400_000),
            ("2026-11-29T10:00:00Z", 1_795_946_400_000),
            ("2025-11-29T09:55:30.123Z", 1_764_410_130_123),
            ("2025-11-29", 1_764_374_400_000),
            ("1764410130123", 1_764_410_130_123),
            ("0", 0),
        ])
    func accepted(text: String, expected: Int64) {
        #expect(TimeExpression.resolve(text, now: now) == expected)
    }

    @Test(
        "rejected text forms",
        arguments: [
            "+2h", "1h", "-1y", "yesterday", "", "-h", "-5", "-1.5h", "--5m", "-+5m", "-5M", "now+1h", "Now", "12abc", "-1 h",
            "99999999999999999999",
        ])
    func rejected(text: String) {
        #expect(TimeExpression.resolve(text, now: now) == nil)
    }

    @Test("JSON values: integers are epoch ms, strings are expressions, other types are nil")
    func jsonValues() {
        #expect(TimeExpression.resolve(JSONValue.int(1_700_000_000_000), now: now) == 1_700_000_000_000)
        #expect(TimeExpression.resolve(JSONValue.string("-1h"), now: now) == now - 3_600_000)
        #expect(TimeExpression.resolve(JSONValue.string("now"), now: now) == now)
        #expect(TimeExpression.resolve(JSONValue.string("2025-11-29T09:55:30.123Z"), now: now) == 1_764_410_130_123)
        #expect(TimeExpression.resolve(JSONValue.string("+2h"), now: now) == nil)
        #expect(TimeExpression.resolve(JSONValue.bool(true), now: now) == nil)
        #expect(TimeExpression.resolve(JSONValue.bool(false), now: now) == nil)
        #expect(TimeExpression.resolve(JSONValue.null, now: now) == nil)
        #expect(TimeExpression.resolve(JSONValue.double(1.5), now: now) == nil)
        #expect(TimeExpression.resolve(JSONValue.array([]), now: now) == nil)
        #expect(TimeExpression.resolve(JSONValue.object(JSONObject()), now: now) == nil)
    }
}

@Suite("WindowExpression.milliseconds")
struct WindowExpressionTests {
    @Test(
        "valid windows",
        arguments: [
            ("10s", Int64(10_000)), ("1m", 60_000), ("5m", 300_000), ("1h", 3_600_000), ("1d", 86_400_000), ("1w", 604_800_000),
            ("90s", 90_000),
        ])
    func valid(text: String, expected: Int64) {
        #expect(WindowExpression.milliseconds(text) == expected)
    }

    @Test("invalid windows", arguments: ["0m", "-1m", "abc", "1", "m", "+1m", "", "1y", "1.5m", "1 m", "0s", "-0s", "1M"])
    func invalid(text: String) {
        #expect(WindowExpression.milliseconds(text) == nil)
    }
}

@Suite("TimeSpec")
struct TimeSpecTests {
    @Test("times resolve within the years 1 to 9999, which answers can write")
    func clamped() throws {
        let now: Int64 = 1_764_410_130_123
        #expect(try #require(TimeSpec("782140707434963789")).resolve(now: now) == TimeSpec.latest)
        #expect(try #require(TimeSpec("-1000000w")).resolve(now: now) == TimeSpec.earliest)
        #expect(try #require(TimeSpec("-1h")).resolve(now: now) == now - 3_600_000)
        #expect(ISO8601.format(milliseconds: TimeSpec.latest) == "9999-12-31T23:59:59.999Z")
        #expect(ISO8601.format(milliseconds: TimeSpec.earliest) == "0001-01-01T00:00:00.000Z")
    }
}
