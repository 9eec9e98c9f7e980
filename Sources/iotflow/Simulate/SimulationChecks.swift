import Foundation
import IoTFlowCore

/// One check of what the server stored against what was sent.
struct CheckResult: Sendable {
    let name: String
    let passed: Bool
    let detail: String
}

/// Reads back latest values, history, aggregations, group views and alerts, and compares them with what the devices
/// sent. Only acknowledged points must be there; a point whose answer was lost may or may not be.
struct SimulationChecks: Sendable {
    let api: SimulationAPI
    let fleet: SimulationFleet
    /// What each device sent, by device id.
    let sent: [Int: [SentPoint]]

    private var owner: SimulationAPI.Credential { .bearer(self.fleet.token) }

    func run(tally: SimulationTally.Snapshot) async -> [CheckResult] {
        var results = [self.acknowledgements(tally)]
        results.append(await self.check("latest values") { try await self.latestValues() })
        results.append(await self.check("history") { try await self.history() })
        results.append(await self.check("aggregations") { try await self.aggregations() })
        if !self.fleet.groups.isEmpty { results.append(await self.check("group latest values") { try await self.groupLatest() }) }
        if !self.fleet.rules.isEmpty { results.append(await self.check("alerts") { try await self.alerts() }) }
        return results
    }

    private func acknowledgements(_ tally: SimulationTally.Snapshot) -> CheckResult {
        guard tally.sent > 0 else { return CheckResult(name: "writes", passed: false, detail: "no point was sent") }
        let reasons = tally.errors.sorted { $0.value > $1.value }.map { "\($0.value)× \($0.key)" }.joined(separator: "; ")
        return CheckResult(
            name: "writes", passed: tally.errorCount == 0,
            detail: tally.errorCount == 0
                ? "all \(tally.sent) points acknowledged" : "\(tally.errorCount) of \(tally.sent) not acknowledged: \(reasons)")
    }

    /// Runs `body`, which returns a summary or throws a ``CheckFailure`` (or any error) describing the mismatch.
    private func check(_ name: String, _ body: () async throws -> String) async -> CheckResult {
        do {
            return CheckResult(name: name, passed: true, detail: try await body())
        } catch {
            return CheckResult(name: name, passed: false, detail: "\(error)")
        }
    }

    /// Devices that had at least one point acknowledged, with their points.
    private var devicesWithData: [(SimulationFleet.Device, [SentPoint])] {
        self.fleet.devices.compactMap { device in
            let points = self.sent[device.id] ?? []
            return points.contains(where: \.acknowledged) ? (device, points) : nil
        }
    }

    /// The reading the server must show as latest: the last acknowledged one, or a later one whose answer was lost.
    private static func possibleLatest(_ points: [SentPoint]) -> [JSONObject] {
        guard let last = points.lastIndex(where: \.acknowledged) else { return [] }
        return [points[last].reading] + points[(last + 1)...].filter(\.uncertain).map(\.reading)
    }

    private func latestValues() async throws -> String {
        let devices = self.devicesWithData
        for (device, points) in devices {
            let answer = try await self.api.send(.GET, "/telemetry/\(device.id)/latest", self.owner).expect(200, "latest of \(device.name)")
            let latest = answer.json[member: "latest_data"]?.objectValue ?? JSONObject()
            guard Self.possibleLatest(points).contains(where: { Self.same(latest, $0) }) else {
                throw CheckFailure("\(device.name): latest_data \(JSONWriter.string(.object(latest))) is not the last reading sent")
            }
        }
        return "\(devices.count) devices show their last reading"
    }

    private func history() async throws -> String {
        var total = 0
        for (device, points) in self.devicesWithData {
            let (start, end) = (points.first!.timestamp, points.last!.timestamp + 1)
            var stored = 0
            var cursor: String?
            repeat {
                var path = "/telemetry/\(device.id)?start_time=\(start)&end_time=\(end)&keys=temperature&limit=10000&order=asc"
                if let cursor { path += "&cursor=" + (cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor) }
                let answer = try await self.api.send(.GET, path, self.owner).expect(200, "history of \(device.name)")
                stored += answer.json[member: "count"]?.intValue ?? 0
                cursor = answer.json[member: "next"]?.stringValue
            } while cursor != nil
            let acknowledged = points.filter(\.acknowledged).count
            let possible = acknowledged + points.filter(\.uncertain).count
            guard (acknowledged...possible).contains(stored) else {
                throw CheckFailure("\(device.name): \(stored) points stored, \(acknowledged) acknowledged (\(possible) possible)")
            }
            total += stored
        }
        return "\(total) points found, every acknowledged one among them"
    }

    private func aggregations() async throws -> String {
        var checked = 0
        for (device, points) in self.devicesWithData where !points.contains(where: \.uncertain) {
            let (start, end) = (points.first!.timestamp, points.last!.timestamp + 1)
            let temperatures = points.filter(\.acknowledged).compactMap { $0.reading["temperature"]?.doubleValue }
            for (function, expected) in [("count", Double(temperatures.count)), ("sum", temperatures.reduce(0, +)), ("max", temperatures.max() ?? 0)]
            {
                let path =
                    "/telemetry/\(device.id)/aggregated?field=temperature&aggregation=\(function)&window=1d&start_time=\(start)&end_time=\(end)"
                let answer = try await self.api.send(.GET, path, self.owner).expect(200, "\(function) of \(device.name)")
                let values = (answer.json[member: "data"]?.arrayValue ?? []).compactMap { $0[member: "value"]?.doubleValue }
                let combined = function == "max" ? (values.max() ?? 0) : values.reduce(0, +)
                guard abs(combined - expected) <= 1e-6 * max(1, abs(expected)) else {
                    throw CheckFailure("\(device.name): temperature \(function) is \(combined), the points sent give \(expected)")
                }
                checked += 1
            }
        }
        return "count, sum and max of temperature agree for \(checked / 3) devices"
    }

    private func groupLatest() async throws -> String {
        var members = 0
        for group in self.fleet.groups {
            let answer = try await self.api.send(.GET, "/groups/\(group.id)/telemetry/latest", self.owner).expect(200, "group \(group.id) latest")
            let entries = answer.json[member: "devices"]?.arrayValue ?? []
            for deviceID in group.deviceIDs {
                guard let points = self.sent[deviceID], points.contains(where: \.acknowledged) else { continue }
                let entry = entries.first { $0[member: "device_id"]?.intValue == deviceID }
                let latest = entry?[member: "latest_data"]?.objectValue ?? JSONObject()
                guard Self.possibleLatest(points).contains(where: { Self.same(latest, $0) }) else {
                    throw CheckFailure("group \(group.id): device \(deviceID) shows \(JSONWriter.string(.object(latest)))")
                }
                members += 1
            }
        }
        return "\(self.fleet.groups.count) groups show their \(members) devices' last readings"
    }

    /// Each device has an active alert exactly when its last reading is above the threshold; evaluation runs after the
    /// write commits, so the alerts are given up to 15 s to catch up.
    private func alerts() async throws -> String {
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            var mismatches: [String] = []
            var triggered = 0
            for (device, points) in self.devicesWithData where !points.contains(where: \.uncertain) {
                guard let rule = self.fleet.rules[device.id], let last = points.last(where: \.acknowledged) else { continue }
                let hot = (last.reading["temperature"]?.doubleValue ?? 0) > SensorSeries.spikeThreshold
                let answer = try await self.api.send(.GET, "/alerts?rule_id=\(rule)&limit=1000", self.owner).expect(200, "alerts of rule \(rule)")
                let alerts = answer.json[member: "alerts"]?.arrayValue ?? []
                triggered += alerts.count
                let active = alerts.filter { $0[member: "status"]?.stringValue == "active" }.count
                if active != (hot ? 1 : 0) {
                    mismatches.append("\(device.name): \(active) active alerts, last temperature \(hot ? "above" : "at or below") the threshold")
                }
            }
            if mismatches.isEmpty { return "\(triggered) alerts raised; each device's active alert matches its last reading" }
            guard ContinuousClock.now < deadline else { throw CheckFailure(mismatches.joined(separator: "; ")) }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Whether `stored` holds `sent`'s values (numbers compared as numbers: 21 and 21.0 are the same).
    static func same(_ stored: JSONObject, _ sent: JSONObject) -> Bool {
        sent.members.allSatisfy { member in
            guard let value = stored[member.key] else { return false }
            if let number = member.value.doubleValue, let storedNumber = value.doubleValue { return number == storedNumber }
            return value == member.value
        }
    }
}

/// A check's finding, shown as is.
struct CheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
