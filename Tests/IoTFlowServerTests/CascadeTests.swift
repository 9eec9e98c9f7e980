import Foundation
import Testing

@testable import IoTFlowStorage

/// Deleting a user or a device removes everything that hangs off it, over HTTP and in the database file.
@Suite("Cascades: deleting users and devices")
struct CascadeTests {
    /// What the test created, by numeric id.
    struct Created: Sendable {
        let userPK: Int
        let userID: String
        let devices: [Int]
        let groups: [Int]
        let otherUserPK: Int
        let otherDevices: [Int]
        let otherGroups: [Int]
    }

    @Test("DELETE /users/{id} removes the user's devices, groups, memberships, tokens and telemetry")
    func deleteUser() async throws {
        try await withAppAndDatabase { api -> Created in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let alice2 = try await api.relogin(alice)
            let probe = try await api.registerDevice(alice, name: "probe")
            let valve = try await api.registerDevice(alice, name: "valve")
            let bobDevice = try await api.registerDevice(bob, name: "bobs")
            let lab = try await api.createGroup(alice, name: "lab")
            let roof = try await api.createGroup(alice, name: "roof")
            let bobGroup = try await api.createGroup(bob, name: "lab")
            try await api.addToGroup(alice, lab, probe)
            try await api.addToGroup(alice, roof, probe)
            try await api.addToGroup(alice, roof, valve)
            try await api.addToGroup(bob, bobGroup, bobDevice)
            let now = TestTime.now()
            try await api.postPoint(probe, ["a": 1, "b": "x"], at: now - TestTime.minute, metadata: ["fw": "1"])
            try await api.postPoint(valve, ["open": true])
            try await api.postPoint(bobDevice, ["a": 1, "b": 2], at: now - TestTime.minute, metadata: ["fw": "2"])

            let before = try requireJSON(try await api.get("/api/v1/admin/stats", auth: .adminToken))
            let json = try requireJSON(try await api.delete("/api/v1/users/\(alice.userID)", auth: .adminToken))
            #expect(json["message"].string?.isEmpty == false)

            for credential in [alice.bearer, alice2.bearer] {
                expectError(try await api.get("/api/v1/groups", auth: credential), .unauthorized)
            }
            for device in [probe, valve] {
                expectError(try await api.get("/api/v1/devices/credentials", auth: device.key), .unauthorized)
                expectError(try await api.postTelemetry(device, ["data": ["a": 2]]), .unauthorized)
                expectError(try await api.get("/api/v1/admin/devices/\(device.id)", auth: .adminToken), .notFound)
                expectError(try await api.get("/api/v1/telemetry/\(device.id)", auth: .adminToken), .notFound)
            }
            expectError(try await api.get("/api/v1/users/\(alice.userID)", auth: .adminToken), .notFound)
            let remaining = try requireJSON(try await api.get("/api/v1/admin/devices", auth: .adminToken))
            #expect(remaining["devices"].array?.compactMap { $0["id"].int } == [bobDevice.id])
            let empty = try requireJSON(try await api.get("/api/v1/admin/devices?user_id=\(alice.userID)", auth: .adminToken))
            #expect(empty["meta"]["total"].int == 0)

            let after = try requireJSON(try await api.get("/api/v1/admin/stats", auth: .adminToken))
            #expect(before["users"]["total"].int == 2)
            #expect(after["users"]["total"].int == 1)
            #expect(before["devices"]["total"].int == 3)
            #expect(after["devices"]["total"].int == 1)
            #expect(before["groups"]["total"].int == 3)
            #expect(after["groups"]["total"].int == 1)
            #expect(before["telemetry"]["points_total"].int == 5)
            #expect(after["telemetry"]["points_total"].int == 2)

            let bobView = try requireJSON(try await api.get("/api/v1/groups/\(bobGroup.id)", auth: bob.bearer))
            #expect(bobView["group"]["devices"].array?.compactMap { $0["id"].int } == [bobDevice.id])
            let bobLatest = try requireJSON(try await api.get("/api/v1/telemetry/\(bobDevice.id)/latest", auth: bob.bearer))
            #expect(bobLatest["latest_data"] == ["a": 1, "b": 2])
            return Created(
                userPK: alice.id, userID: alice.userID, devices: [probe.id, valve.id], groups: [lab.id, roof.id],
                otherUserPK: bob.id, otherDevices: [bobDevice.id], otherGroups: [bobGroup.id]
            )
        } inspect: { created, database async throws in
            let gone = try await Self.rowCounts(database, userPK: created.userPK, devices: created.devices, groups: created.groups)
            #expect(gone.values.allSatisfy { $0 == 0 }, "rows left for the deleted user: \(gone)")
            #expect(try await database.countRows("users", "user_id = '\(created.userID)'") == 0)

            let kept = try await Self.rowCounts(database, userPK: created.otherUserPK, devices: created.otherDevices, groups: created.otherGroups)
            #expect(kept["users"] == 1)
            #expect((kept["tokens"] ?? 0) >= 1)
            #expect(kept["devices"] == 1)
            #expect(kept["device_groups"] == 1)
            #expect(kept["group_members"] == 1)
            #expect(kept["telemetry"] == 2)
            #expect(kept["telemetry_latest"] == 2)
            #expect(kept["telemetry_metadata"] == 1)
        }
    }

    @Test("DELETE /devices/{id} removes its memberships and telemetry; its groups and sibling devices stay")
    func deleteDevice() async throws {
        try await withAppAndDatabase { api -> Created in
            let alice = try await api.registerUser("alice")
            let gone = try await api.registerDevice(alice, name: "gone")
            let kept = try await api.registerDevice(alice, name: "kept")
            let lab = try await api.createGroup(alice, name: "lab")
            let roof = try await api.createGroup(alice, name: "roof")
            for group in [lab, roof] {
                try await api.addToGroup(alice, group, gone)
                try await api.addToGroup(alice, group, kept)
            }
            try await api.postPoint(gone, ["a": 1], metadata: ["fw": "1"])
            try await api.postPoint(kept, ["a": 1, "b": 2], metadata: ["fw": "2"])
            try requireJSON(try await api.delete("/api/v1/devices/\(gone.id)", auth: alice.bearer))

            for group in [lab, roof] {
                let read = try requireJSON(try await api.get("/api/v1/groups/\(group.id)", auth: alice.bearer))
                #expect(read["group"]["device_count"].int == 1)
                #expect(read["group"]["devices"].array?.compactMap { $0["id"].int } == [kept.id])
            }
            expectError(try await api.get("/api/v1/telemetry/\(gone.id)/latest", auth: alice.bearer), .notFound)
            return Created(
                userPK: alice.id, userID: alice.userID, devices: [gone.id], groups: [lab.id, roof.id],
                otherUserPK: alice.id, otherDevices: [kept.id], otherGroups: []
            )
        } inspect: { created, database async throws in
            let devices = sqlList(created.devices)
            let kept = sqlList(created.otherDevices)
            #expect(try await database.countRows("devices", "id IN \(devices)") == 0)
            #expect(try await database.countRows("group_members", "device_id IN \(devices)") == 0)
            for table in ["telemetry", "telemetry_latest", "telemetry_metadata"] {
                #expect(try await database.countRows(table, "device_id IN \(devices)") == 0, "\(table)")
            }
            #expect(try await database.countRows("device_groups", "id IN \(sqlList(created.groups))") == 2)
            #expect(try await database.countRows("group_members", "device_id IN \(kept)") == 2)
            #expect(try await database.countRows("devices", "id IN \(kept)") == 1)
            #expect(try await database.countRows("telemetry", "device_id IN \(kept)") == 2)
            #expect(try await database.countRows("telemetry_latest", "device_id IN \(kept)") == 2)
            #expect(try await database.countRows("telemetry_metadata", "device_id IN \(kept)") == 1)
            #expect(try await database.countRows("users", "id = \(created.userPK)") == 1)
        }
    }

    /// Rows referencing the user, its devices or its groups, by table.
    private static func rowCounts(_ database: SQLiteDatabaseFile, userPK: Int, devices: [Int], groups: [Int]) async throws -> [String: Int] {
        let deviceList = sqlList(devices)
        let groupList = sqlList(groups)
        var counts: [String: Int] = [:]
        counts["users"] = try await database.countRows("users", "id = \(userPK)")
        counts["tokens"] = try await database.countRows("tokens", "user_pk = \(userPK)")
        counts["devices"] = try await database.countRows("devices", "user_pk = \(userPK) OR id IN \(deviceList)")
        counts["device_groups"] = try await database.countRows("device_groups", "user_pk = \(userPK) OR id IN \(groupList)")
        counts["group_members"] = try await database.countRows("group_members", "group_id IN \(groupList) OR device_id IN \(deviceList)")
        for table in ["telemetry", "telemetry_latest", "telemetry_metadata"] {
            counts[table] = try await database.countRows(table, "device_id IN \(deviceList)")
        }
        return counts
    }
}
