import Foundation
import IoTFlowCore

/// The user, devices, groups and alert rules a simulation creates on the server, and their removal.
struct SimulationFleet: Sendable {
    struct Device: Sendable {
        let index: Int
        let id: Int
        let name: String
        let key: String
    }

    struct Group: Sendable {
        let id: Int
        let deviceIDs: [Int]
    }

    let username: String
    let userID: String
    let token: String
    let devices: [Device]
    let groups: [Group]
    /// Alert rule ids by device id (one rule per device with `--alerts`).
    let rules: [Int: Int]

    /// Registers a new user with `deviceCount` devices spread over `groupCount` groups, and with `alerts` one rule per
    /// device on `temperature` above ``SensorSeries/spikeThreshold`` (no cooldown, so its state follows every point).
    static func create(api: SimulationAPI, deviceCount: Int, groupCount: Int, alerts: Bool) async throws -> SimulationFleet {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let username = "sim_\(suffix)"
        let registration = try await api.send(
            .POST, "/auth/register", .none,
            body: ["username": .string(username), "email": .string("\(username)@example.com"), "password": .string("sim-\(UUID().uuidString)")]
        ).expect(201, "POST /api/v1/auth/register")
        guard let token = registration.json[member: "token"]?.stringValue,
            let userID = registration.json[member: "user"]?[member: "user_id"]?.stringValue
        else { throw CommandLineError("POST /api/v1/auth/register: no token or user_id in the answer") }
        let owner = SimulationAPI.Credential.bearer(token)

        var devices: [Device] = []
        for index in 0..<deviceCount {
            let name = "sim-\(suffix)-\(index)"
            let answer = try await api.send(
                .POST, "/devices/register", owner,
                body: ["name": .string(name), "device_type": .string("environment-sensor"), "location": .string("simulated room \(index % 7)")]
            ).expect(201, "POST /api/v1/devices/register")
            guard let id = answer.json[member: "device"]?[member: "id"]?.intValue,
                let key = answer.json[member: "device"]?[member: "api_key"]?.stringValue
            else { throw CommandLineError("POST /api/v1/devices/register: no id or api_key in the answer") }
            devices.append(Device(index: index, id: id, name: name, key: key))
        }

        var groups: [Group] = []
        for number in 0..<groupCount {
            let answer = try await api.send(.POST, "/groups", owner, body: ["name": .string("sim-\(suffix)-group-\(number)")]).expect(
                201, "POST /api/v1/groups")
            guard let id = answer.json[member: "group"]?[member: "id"]?.intValue else { throw CommandLineError("POST /api/v1/groups: no group id") }
            let members = devices.filter { $0.index % groupCount == number }.map(\.id)
            if !members.isEmpty {
                try await api.send(.POST, "/groups/\(id)/devices/bulk", owner, body: ["device_ids": .array(members.map { .int(Int64($0)) })])
                    .expect(201, "POST /api/v1/groups/\(id)/devices/bulk")
            }
            groups.append(Group(id: id, deviceIDs: members))
        }

        var rules: [Int: Int] = [:]
        if alerts {
            for device in devices {
                let answer = try await api.send(
                    .POST, "/alerts/rules", owner,
                    body: [
                        "name": .string("\(device.name) too hot"), "device_id": .int(Int64(device.id)), "key": "temperature", "operator": "gt",
                        "threshold": .double(SensorSeries.spikeThreshold), "cooldown_s": 0, "severity": "warning",
                    ]
                ).expect(201, "POST /api/v1/alerts/rules")
                guard let id = answer.json[member: "rule"]?[member: "id"]?.intValue else {
                    throw CommandLineError("POST /api/v1/alerts/rules: no rule id")
                }
                rules[device.id] = id
            }
        }
        return SimulationFleet(username: username, userID: userID, token: token, devices: devices, groups: groups, rules: rules)
    }

    /// Deletes the rules, groups and devices (with their telemetry); with `adminToken`, the user as well (a user cannot
    /// delete itself). Returns what could not be deleted.
    func remove(api: SimulationAPI, adminToken: String?) async -> [String] {
        let owner = SimulationAPI.Credential.bearer(self.token)
        var failures: [String] = []
        func delete(_ path: String, _ credential: SimulationAPI.Credential) async {
            do {
                try await api.send(.DELETE, path, credential).expect(200, "DELETE /api/v1\(path)")
            } catch {
                failures.append("\(error)")
            }
        }
        for rule in self.rules.values.sorted() { await delete("/alerts/rules/\(rule)", owner) }
        for group in self.groups { await delete("/groups/\(group.id)", owner) }
        for device in self.devices { await delete("/devices/\(device.id)", owner) }
        if let adminToken { await delete("/users/\(self.userID)", .admin(adminToken)) }
        return failures
    }
}
