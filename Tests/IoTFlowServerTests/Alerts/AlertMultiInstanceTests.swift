import Foundation
import Hummingbird
import HummingbirdTesting
import IoTFlowServer
import IoTFlowStorage
import Testing

/// Two instances on one PostgreSQL database: a rule created or changed through one applies at once on the other,
/// which has already evaluated (and cached the rules of) the device. With Redis the change is published; without it,
/// rules are read from the registry for every batch.
@Suite("Alerts across two instances")
struct AlertMultiInstanceTests {
    @Test("a rule created or disabled through one instance applies at once on the other", arguments: [false, true])
    func ruleChangesAcrossInstances(withRedis: Bool) async throws {
        try await withTwoInstances({ config in
            guard withRedis else { return }
            var redis = RedisSettings(host: try TestBackend.redisHost())
            redis.port = try TestBackend.redisPort()
            redis.keyPrefix = "multi-\(UUID().uuidString):"
            config.redis = redis
        }) { one, two in
            let owner = try await one.registerUser("alice")
            let device = try await one.registerDevice(owner)
            let start = TestTime.now() - TestTime.hour
            // The second instance evaluates the device with no rules (and may cache that).
            try await two.postPoint(device, ["t": 50], at: start)
            let rule = try await one.createThresholdRule(owner, device: device)
            // Redis delivers the change to the second instance asynchronously: points keep coming until it
            // applies (without the change ever arriving, nothing fires and the poll below fails).
            var next = start + 1000
            let fired = try await self.postUntil(two, device, ["t": 51], from: &next, owner: owner) { alerts in !alerts.isEmpty }
            // Evaluation runs after commit, off the request path: on a loaded machine the first point (50) may only be
            // evaluated once the rule has reached this instance, and then it is the one that fires. Either way the
            // rule created through the first instance applied on the second.
            #expect([50, 51].contains(fired.first?["value"].int ?? 0), "\(fired)")
            // Disabled through the first instance, then a second rule added after it: once the second instance
            // applies the new rule it has applied the disabling too (one channel, in order).
            let path = "/api/v1/alerts/rules/\(try #require(rule["id"].int))"
            try requireJSON(try await one.put(path, auth: owner.bearer, json: ["enabled": false]))
            try await one.createThresholdRule(owner, device: device, name: "higher", extra: ["threshold": 55])
            _ = try await self.postUntil(two, device, ["t": 60], from: &next, owner: owner) { alerts in
                alerts.contains { $0["rule_name"].string == "higher" }
            }
            // Under both thresholds: "higher" resolves, the disabled "hot" is not evaluated and stays active.
            try await two.postPoint(device, ["t": 10], at: next)
            let alerts = try await two.pollAlerts("", auth: owner.bearer) { alerts in
                alerts.contains { $0["rule_name"].string == "higher" && $0["status"].string == "resolved" }
            }
            #expect(alerts.first { $0["rule_name"].string == "higher" }?["status"].string == "resolved")
            #expect(alerts.first { $0["rule_name"].string == "hot" }?["status"].string == "active", "a disabled rule does not resolve")
        }
    }

    /// Posts `data` through `api` at increasing times until `done` holds for the owner's alerts (30 s at most).
    private func postUntil(
        _ api: TestAPI, _ device: TestDevice, _ data: JSONValue, from next: inout Int64, owner: TestUser, _ done: ([JSONValue]) -> Bool
    ) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            try await api.postPoint(device, data, at: next)
            next += 1000
            let alerts = try await api.pollAlerts("", auth: owner.bearer) { _ in true }
            if done(alerts) || ContinuousClock.now >= deadline { return alerts }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
