import IoTFlowServer
import Testing

@Suite("Alerts: offline rules")
struct OfflineAlertTests {
    @Test("a device silent for offline_after_s gets an offline alert from the timer; its next point resolves it")
    func offlineFiresAndResolves() async throws {
        let start = TestTime.now()
        let clock = SettableClock(start)
        try await withConfiguredApp(clock: clock, { $0.alertOfflineCheckSeconds = 1 }) { api in
            let alice = try await api.registerUser("alice")
            let quiet = try await api.registerDevice(alice, name: "quiet")
            // Sentinels with shorter and longer limits: their alerts show that a check ran at a given clock time.
            let early = try await api.registerDevice(alice, name: "early")
            let late = try await api.registerDevice(alice, name: "late")
            for (device, seconds) in [(quiet, 60), (early, 30), (late, 150)] {
                try await api.createRule(
                    alice,
                    [
                        "name": .string(device.name), "device_id": .number(Double(device.id)), "type": "offline",
                        "offline_after_s": .number(Double(seconds)),
                    ])
            }
            let activeDevices: () async throws -> Set<Int> = {
                Set(try await api.pollAlerts("status=active", auth: alice.bearer) { _ in true }.compactMap { $0["device_id"].int })
            }
            clock.set(start + 59 * TestTime.second)
            _ = try await api.pollAlerts("status=active", auth: alice.bearer) { $0.contains { $0["device_id"].int == early.id } }
            #expect(try await activeDevices() == [early.id], "59 s of silence is under quiet's 60 s")

            clock.set(start + 61 * TestTime.second)
            let fired = try await api.pollAlerts("status=active&device_id=\(quiet.id)", auth: alice.bearer) { !$0.isEmpty }
            try #require(fired.count == 1)
            #expect(fired[0]["type"].string == "offline")
            #expect(fired[0]["value"]?.isNull == true)
            #expect(fired[0]["key"]?.isNull == true)
            #expect(fired[0]["message"].string?.contains("quiet") == true)

            try await api.postPoint(quiet, ["t": 1])
            let resolved = try await api.pollAlerts("status=resolved", auth: alice.bearer) { !$0.isEmpty }
            #expect(resolved.first?["device_id"].int == quiet.id)
            #expect(resolved.first?["resolved_by"].string == "auto")
            // Silent again by the clock, but within the default 300 s cooldown after the resolution: no new alert.
            clock.set(start + 200 * TestTime.second)
            _ = try await api.pollAlerts("status=active", auth: alice.bearer) { $0.contains { $0["device_id"].int == late.id } }
            #expect(try await activeDevices() == [early.id, late.id])
        }
    }
}
