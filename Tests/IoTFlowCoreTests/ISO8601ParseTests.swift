import IoTFlowCore
import Testing

@Suite("ISO8601.parse")
struct ISO8601ParseTests {
    // Expected values computed with Python: int(datetime.fromisoformat(text).timestamp() * 1000).
    @Test(
        "valid timestamps",
        arguments: [
            ("1970-01-01T00:00:00.000Z", Int64(0)),
            ("2025-11-29T09:55:30.123Z", 1_764_410_130_123),
            ("2024-02-29", 1_709_164_800_000),
            ("2000-02-29", 951_782_400_000),
            ("2024-02-29T12:30:00Z", 1_709_209_800_000),
            ("2024-02-29T12:30:00z", 1_709_209_800_000),
            ("2024-02-29T12:30:00", 1_709_209_800_000),
            ("2024-02-29T12:30", 1_709_209_800_000),
            ("2024-02-29 12:30:00", 1_709_209_800_000),
            ("2024-02-29t12:30:00", 1_709_209_800_000),
            ("2024-02-29T12:30:00+02:00", 1_709_202_600_000),
            ("2024-02-29T12:30:00+0200", 1_709_202_600_000),
            ("2024-02-29T12:30:00-05:30", 1_709_229_600_000),
            ("2024-02-29T12:30:00-0530", 1_709_229_600_000),
            ("2024-02-29T12:30:00+00:00", 1_709_209_800_000),
            ("2024-03-01T01:00:00+02:00", 1_709_247_600_000),
            ("1969-12-31T23:59:59.999Z", -1),
            ("1900-01-01T00:00:00Z", -2_208_988_800_000),
        ])
    func valid(text: String, expected: Int64) {
        #expect(ISO8601.parse(text) == expected)
    }

    @Test(
        "fractions of 1 to 3 digits are scaled to milliseconds",
        arguments: [
            (".1", Int64(100)), (".12", 120), (".123", 123), (".007", 7), (",5", 500),
        ])
    func shortFraction(fraction: String, milliseconds: Int64) {
        #expect(ISO8601.parse("2024-02-29T12:30:00\(fraction)Z") == 1_709_209_800_000 + milliseconds)
    }

    // Run in a child process: a trap in the parser must fail this test, not end the whole test run.
    @Test(
        "fractions of 4 to 9 digits are truncated to milliseconds",
        arguments: [
            (".1234", Int64(123)), (".12345", 123), (".123456", 123), (".1234567", 123), (".12345678", 123), (".123456789", 123),
            (".999999999", 999), (".0009", 0),
        ])
    func longFraction(fraction: String, milliseconds: Int64) async {
        await #expect(processExitsWith: .success) { [fraction, milliseconds] in
            #expect(ISO8601.parse("2024-02-29T12:30:00\(fraction)Z") == 1_709_209_800_000 + milliseconds)
        }
    }

    @Test(
        "rejected",
        arguments: [
            "", "garbage", "2023-02-29", "2100-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32", "2024-04-31",
            "2024-1-01", "24-01-01", "2024/01/01", "2024-01-01T", "2024-01-01T24:00:00Z", "2024-01-01T10:60:00Z", "2024-01-01T10:00:60Z",
            "2024-01-01T10Z", "2024-01-01T10:00:00+2", "2024-01-01T10:00:00+02:", "2024-01-01T10:00:00+25:00", "2024-01-01T10:00:00+02:60",
            "2024-01-01T10:00:00 UTC", "2024-01-01T10:00:00Zjunk", "2024-01-01T10:00:00.Z", "2024-01-01T10:00:00.1234567890Z",
            " 2024-01-01", "2024-01-01 ", "now", "-5m", "1700000000000",
        ])
    func rejected(text: String) {
        #expect(ISO8601.parse(text) == nil)
    }

    @Test("an offset that moves a time outside years 0000-9999 in UTC is rejected; the ends themselves parse and round-trip")
    func offsetBeyondTheRange() {
        #expect(ISO8601.parse("9999-12-31T23:59:59.9-0530") == nil, "libFuzzer's finding: 10000-01-01T05:29:59.900Z in UTC")
        #expect(ISO8601.parse("0000-01-01T00:00:00+01:00") == nil)
        #expect(ISO8601.parse("9999-12-31T23:59:59.999Z") == TimeSpec.latest)
        #expect(ISO8601.parse("0001-01-01T00:00:00+01:00") == TimeSpec.earliest - 3_600_000)
        #expect(ISO8601.parse("9999-12-31T18:29:59.9-0530").map { ISO8601.format(milliseconds: $0) } == "9999-12-31T23:59:59.900Z")
    }
}
