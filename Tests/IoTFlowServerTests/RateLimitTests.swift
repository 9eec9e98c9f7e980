import HummingbirdTesting
import IoTFlowServer
import Testing

@Suite("Rate limiting")
struct RateLimitTests {
    /// Checks a 429 answer: the JSON error body and a `Retry-After` of 1 to 60 seconds.
    private func expectLimited(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        expectError(response, .tooManyRequests, sourceLocation: sourceLocation)
        let seconds = retryAfter(response)
        #expect(
            seconds.map { (1...60).contains($0) } == true, "Retry-After \(String(describing: seconds))",
            sourceLocation: sourceLocation)
    }

    @Test("the defaults: 6000 telemetry posts per device, 120 auth attempts per client, 120 device registrations per user")
    func defaults() {
        let config = AppConfiguration()
        #expect(config.rateLimitPerMinute == 6000)
        #expect(config.authRateLimitPerMinute == 120)
        #expect(config.deviceRegistrationRateLimitPerMinute == 120)
    }

    @Test("POST /telemetry above the per-device limit is 429 and not stored; other devices are unaffected")
    func telemetry() async throws {
        let clock = midMinuteClock()
        try await withConfiguredApp(clock: clock, { $0.rateLimitPerMinute = 3 }) { api in
            // With the cache in Redis, counts made before it connected stay in process and Redis's own count
            // takes over once it answers (FallbackRateCounters): start counting once every store answers.
            try await api.waitUntilEveryStoreAnswers()
            let alice = try await api.registerUser()
            let limited = try await api.registerDevice(alice, name: "limited")
            let other = try await api.registerDevice(alice, name: "other")
            let now = clock.nowMilliseconds()
            for value in 1...3 { try await api.postPoint(limited, ["t": .number(Double(value))], at: now - Int64(value) * TestTime.second) }
            self.expectLimited(try await api.postTelemetry(limited, ["data": ["late": 4]]))
            self.expectLimited(try await api.postTelemetry(limited, ["points": [["data": ["late": 5]]]]))

            let latest = try requireJSON(try await api.get("/api/v1/telemetry/\(limited.id)/latest", auth: alice.bearer))
            #expect(latest["latest_data"].keys == ["t"])
            let history = try requireJSON(try await api.get("/api/v1/telemetry/\(limited.id)?start_time=-1h", auth: alice.bearer))
            #expect(history["count"].int == 3)

            for value in 1...3 { try await api.postPoint(other, ["t": .number(Double(value))]) }
            try requireJSON(try await api.get("/api/v1/devices/credentials", auth: limited.key))
        }
    }

    @Test("register and login above the per-client limit are 429; other routes are unaffected")
    func auth() async throws {
        try await withConfiguredApp(clock: midMinuteClock(), { $0.authRateLimitPerMinute = 3 }) { api in
            // With the cache in Redis, counts made before it connected stay in process and Redis's own count
            // takes over once it answers (FallbackRateCounters): start counting once every store answers.
            try await api.waitUntilEveryStoreAnswers()
            let alice = try await api.registerUser("alice")
            try requireJSON(try await api.login("alice", "password123"))
            expectError(try await api.login("alice", "wrong-password"), .unauthorized)
            self.expectLimited(try await api.login("alice", "password123"))
            let register = try await api.post(
                "/api/v1/auth/register", json: ["username": "bob", "email": "bob@example.com", "password": "password123"])
            self.expectLimited(register)

            try requireJSON(try await api.get("/api/v1/users/\(alice.userID)", auth: alice.bearer))
            let users = try requireJSON(try await api.get("/api/v1/users", auth: .adminToken))
            #expect(users["meta"]["total"].int == 1)
        }
    }

    @Test("POST /devices/register above the per-user limit is 429 and creates nothing; other users are unaffected")
    func deviceRegistration() async throws {
        try await withConfiguredApp(clock: midMinuteClock(), { $0.deviceRegistrationRateLimitPerMinute = 3 }) { api in
            // With the cache in Redis, counts made before it connected stay in process and Redis's own count
            // takes over once it answers (FallbackRateCounters): start counting once every store answers.
            try await api.waitUntilEveryStoreAnswers()
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            for name in ["a", "b", "c"] { _ = try await api.registerDevice(alice, name: name) }
            self.expectLimited(try await api.post("/api/v1/devices/register", auth: alice.bearer, json: ["name": "d", "device_type": "sensor"]))

            let list = try requireJSON(try await api.get("/api/v1/devices/user/\(alice.userID)", auth: alice.bearer))
            #expect(list["meta"]["total"].int == 3)
            for name in ["a", "b", "c"] { _ = try await api.registerDevice(bob, name: name) }
            try requireJSON(try await api.get("/api/v1/groups", auth: alice.bearer))
        }
    }

    @Test("the window ends at the minute boundary of the server's clock: the device may write again without anyone waiting")
    func windowResets() async throws {
        let clock = midMinuteClock()
        try await withConfiguredApp(clock: clock, { $0.rateLimitPerMinute = 2 }) { api in
            // With the cache in Redis, counts made before it connected stay in process and Redis's own count
            // takes over once it answers (FallbackRateCounters): start counting once every store answers.
            try await api.waitUntilEveryStoreAnswers()
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            for value in 1...2 { try await api.postPoint(device, ["t": .number(Double(value))], at: clock.nowMilliseconds() - Int64(value)) }
            let limited = try await api.postTelemetry(device, ["data": ["t": 3]])
            self.expectLimited(limited)
            #expect(retryAfter(limited) == 40, "20 s into the minute, the window has 40 s left")
            clock.set(clock.nowMilliseconds() + 39_000)
            self.expectLimited(try await api.postTelemetry(device, ["data": ["t": 4]]))
            clock.set(clock.nowMilliseconds() + 1_000)
            try requireJSON(try await api.postTelemetry(device, ["data": ["t": 5]]), .created)
        }
    }
}

/// A clock at 20 s into the current minute of the real time, which tests move by hand.
func midMinuteClock() -> SettableClock {
    let now = TestTime.now()
    return SettableClock(now - now % TestTime.minute + 20 * TestTime.second)
}
