import IoTFlowCore
import Testing

@Suite("ISO8601.format")
struct ISO8601FormatTests {
    // Expected strings computed independently with Python:
    //   (datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")
    // with "+00:00" written as "Z".
    @Test(
        "known epochs",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"),
            (1_764_410_130_123, "2025-11-29T09:55:30.123Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_709_164_800_000, "2024-02-29T00:00:00.000Z"),
            (946_684_800_000, "2000-01-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        ])
    func knownEpochs(milliseconds: Int64, expected: String) {
        #expect(ISO8601.format(milliseconds: milliseconds) == expected)
    }

    // Expected strings from the same civil-from-days arithmetic in Python (checked against datetime for years
    // 1 to 9999), written with a sign and at least four year digits as ISO 8601's expanded years are.
    // Found by scripts/fuzz.sh (Fuzz/corpus/time/crash-negative-year): years -1 to -999 came out as "0-10-09-11T…",
    // the minus sign inside the zero padding. Reachable through the API: GET /telemetry/{id}?start_time=-106000w echoed "00-5-05-27T…".
    @Test(
        "years before 0000 carry the sign in front of four or more digits",
        arguments: [
            (Int64(-62_167_219_200_001), "-0001-12-31T23:59:59.999Z"),
            (-62_460_816_379_088, "-0010-09-11T21:13:40.912Z"),
            (-93_692_678_400_000, "-1000-12-31T00:00:00.000Z"),
            (-377_736_739_200_000, "-10000-01-01T00:00:00.000Z"),
            (Int64.min, "-292275055-05-16T16:47:04.192Z"),
        ])
    func negativeYears(milliseconds: Int64, expected: String) {
        #expect(ISO8601.format(milliseconds: milliseconds) == expected)
    }

    @Test("years after 9999 are written with all their digits")
    func largeYears() {
        #expect(ISO8601.format(milliseconds: 253_402_300_800_000) == "10000-01-01T00:00:00.000Z")
        #expect(ISO8601.format(milliseconds: Int64.max) == "292278994-08-17T07:12:55.807Z")
    }

    @Test("write appends exactly format's text after what the buffer holds, on both sides of the four-digit years")
    func writeMatchesFormat() {
        var rng = SplitMix64(seed: 24)
        var epochs: [Int64] = [
            Int64.min, -377_736_739_200_000, -62_167_219_200_001, -62_167_219_200_000, -1, 0, 1_764_410_130_123,
            253_402_300_799_999, 253_402_300_800_000, Int64.max,
        ]
        for _ in 0..<2000 { epochs.append(Int64.random(in: -400_000_000_000_000...400_000_000_000_000, using: &rng)) }
        for epoch in epochs {
            var output = Array("[".utf8)
            ISO8601.write(milliseconds: epoch, into: &output)
            #expect(output == Array(("[" + ISO8601.format(milliseconds: epoch)).utf8), "\(epoch)")
        }
    }

    @Test("round trip: parse(format(ms)) == ms from year 1 to 9999")
    func roundTrip() {
        let first: Int64 = -62_135_596_800_000  // 0001-01-01T00:00:00.000Z
        let last: Int64 = 253_402_300_799_999  // 9999-12-31T23:59:59.999Z
        var rng = SplitMix64(seed: 8601)
        var epochs: [Int64] = [first, last, 0, -1, 1, 86_399_999, 86_400_000, 951_868_799_999, 4_107_542_400_000]
        for _ in 0..<5000 { epochs.append(Int64.random(in: first...last, using: &rng)) }
        for step in stride(from: first, through: last, by: 86_400_000 * 997 + 3_601_001) { epochs.append(step) }
        for epoch in epochs {
            let text = ISO8601.format(milliseconds: epoch)
            #expect(ISO8601.parse(text) == epoch, "\(epoch) formatted as \(text)")
        }
    }
}
