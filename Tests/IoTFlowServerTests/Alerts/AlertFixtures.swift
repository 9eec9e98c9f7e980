import Foundation
import Testing

extension TestAPI {
    /// Creates a rule for `owner` and requires 201; returns the rule.
    @discardableResult
    func createRule(_ owner: TestUser, _ body: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let json = try requireJSON(
            try await self.post("/api/v1/alerts/rules", auth: owner.bearer, json: body), .created, sourceLocation: sourceLocation)
        return try #require(json["rule"], sourceLocation: sourceLocation)
    }

    /// A threshold rule `t > 30` on `device`, firing at once and without cooldown unless `extra` says otherwise.
    @discardableResult
    func createThresholdRule(
        _ owner: TestUser, device: TestDevice, name: String = "hot", extra: [String: JSONValue] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        var body: [String: JSONValue] = [
            "name": .string(name), "device_id": .number(Double(device.id)), "key": "t", "operator": "gt", "threshold": 30, "cooldown_s": 0,
        ]
        body.merge(extra) { $1 }
        return try await self.createRule(owner, .object(body), sourceLocation: sourceLocation)
    }

    /// Polls `GET /alerts?<query>` as `auth` until `done` holds for the alerts (evaluation runs after the write is
    /// answered), for up to 30 s; returns the last alerts read.
    func pollAlerts(
        _ query: String, auth: Credential, sourceLocation: SourceLocation = #_sourceLocation, until done: ([JSONValue]) -> Bool
    ) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let json = try requireJSON(try await self.get("/api/v1/alerts?\(query)", auth: auth), sourceLocation: sourceLocation)
            let alerts = try #require(json["alerts"].array, sourceLocation: sourceLocation)
            if done(alerts) || ContinuousClock.now >= deadline { return alerts }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
