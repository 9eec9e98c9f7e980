import Testing

@Suite("Admin: GET /admin/analytics/events")
struct AdminAnalyticsTests {
    /// Events per bucket start and type, computed here from the event log itself: the oracle for the store's counts.
    static func expectedCounts(_ events: [JSONValue], bucket: Int64, start: Int64) -> [Int64: [String: Int]] {
        var counts: [Int64: [String: Int]] = [:]
        for event in events {
            guard let type = event["event_type"].string, let text = event["timestamp"].string, let time = TestTime.parse(text), time >= start
            else { continue }
            counts[time - time % bucket, default: [:]][type, default: 0] += 1
        }
        return counts
    }

    /// The answer's buckets as bucket start → counts.
    static func answeredCounts(_ json: JSONValue) -> [Int64: [String: Int]] {
        var counts: [Int64: [String: Int]] = [:]
        for bucket in json["buckets"].array ?? [] {
            guard let start = bucket["timestamp"].string.flatMap(TestTime.parse) else { continue }
            counts[start] = (bucket["counts"].object ?? [:]).compactMapValues(\.int)
        }
        return counts
    }

    @Test("events are counted per type and per hour or day; empty buckets are left out; user and device filters apply")
    func countsPerBucket() async throws {
        let today = TestTime.now() / TestTime.day * TestTime.day
        let clock = SettableClock(today - TestTime.day + 10 * TestTime.hour + 5 * TestTime.minute)
        try await withConfiguredApp(clock: clock, { _ in }) { api in
            let alice = try await api.registerUser("alice")
            let device = try await api.registerDevice(alice)
            clock.set(clock.nowMilliseconds() + 2 * TestTime.hour)
            try requireJSON(try await api.login("alice", "password123"))
            let bob = try await api.registerUser("bob")
            try await api.requireEvent("user.registered", userID: bob.userID)
            try await api.requireEvent("user.login", userID: alice.userID)
            let log = try await api.pollEvents("limit=1000") { _ in true }
            // The default range ends now, exclusive: step past the moment of the last actions.
            clock.set(clock.nowMilliseconds() + TestTime.minute)

            let start = today - TestTime.day
            let range = "start_time=\(start)&end_time=\(today + TestTime.day)"
            let hourly = try requireJSON(try await api.get("/api/v1/admin/analytics/events?\(range)&bucket=1h", auth: .adminToken))
            #expect(hourly["bucket"].string == "1h")
            #expect(hourly["start_time"].string == TestTime.iso(start))
            #expect(hourly["end_time"].string == TestTime.iso(today + TestTime.day))
            let expected = Self.expectedCounts(log, bucket: TestTime.hour, start: start)
            #expect(Self.answeredCounts(hourly) == expected)
            // The actions happened in two hours of the day: only those buckets, oldest first.
            let starts = (hourly["buckets"].array ?? []).compactMap { $0["timestamp"].string.flatMap(TestTime.parse) }
            #expect(starts == [start + 10 * TestTime.hour, start + 12 * TestTime.hour])
            #expect(expected[start + 10 * TestTime.hour]?["device.registered"] == 1)
            #expect(expected[start + 12 * TestTime.hour]?["user.login"] == 1)
            var totals: [String: Int] = [:]
            for counts in expected.values { totals.merge(counts, uniquingKeysWith: +) }
            #expect((hourly["totals"].object ?? [:]).compactMapValues(\.int) == totals)
            #expect(totals["user.registered"] == 2)

            let daily = try requireJSON(try await api.get("/api/v1/admin/analytics/events?\(range)&bucket=1d", auth: .adminToken))
            #expect(Self.answeredCounts(daily) == [start: totals])

            // The default range is the last 7 days up to now, in hours.
            let recent = try requireJSON(try await api.get("/api/v1/admin/analytics/events", auth: .adminToken))
            #expect(recent["bucket"].string == "1h")
            #expect(Self.answeredCounts(recent) == expected)

            let byDevice = try requireJSON(try await api.get("/api/v1/admin/analytics/events?\(range)&device_id=\(device.id)", auth: .adminToken))
            #expect((byDevice["totals"].object ?? [:]).compactMapValues(\.int) == ["device.registered": 1])
            let byUser = try requireJSON(try await api.get("/api/v1/admin/analytics/events?\(range)&user_id=\(bob.userID)", auth: .adminToken))
            #expect((byUser["totals"].object ?? [:]).compactMapValues(\.int) == ["user.registered": 1])
            let empty = try requireJSON(
                try await api.get(
                    "/api/v1/admin/analytics/events?start_time=\(today + TestTime.day)&end_time=\(today + 2 * TestTime.day)", auth: .adminToken))
            #expect(empty["buckets"].array?.isEmpty == true)
            #expect(empty["totals"].object?.isEmpty == true)
            // Empty buckets make no rows, so any range is answered, and an empty filter means any.
            let all = "start_time=0&end_time=253402300799999&user_id=&device_id=&bucket="
            let everything = try requireJSON(try await api.get("/api/v1/admin/analytics/events?\(all)", auth: .adminToken))
            #expect(everything["bucket"].string == "1h")
            #expect((everything["totals"].object ?? [:]).compactMapValues(\.int) == totals)
        }
    }

    @Test(
        "rejects bad query values with 400",
        arguments: [
            "bucket=2h", "bucket=hour", "device_id=abc", "user_id=alice", "start_time=yesterday", "start_time=now&end_time=-1h",
        ]
    )
    func badQuery(query: String) async throws {
        try await withApp { api in
            expectError(try await api.get("/api/v1/admin/analytics/events?\(query)", auth: .adminToken), .badRequest)
        }
    }
}
