import IoTFlowCore
import PostgresNIO

/// Device groups and memberships in PostgreSQL.
public struct GroupPostgresStore: GroupStore {
    typealias Rows = RegistryPostgresRows
    let database: PostgresDatabase

    /// Creates the store on a database whose pool is running and whose schema is migrated.
    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func createGroup(_ group: NewGroup) async throws -> DeviceGroup {
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(
                """
                INSERT INTO device_groups (user_pk, name, description, color, created_at, updated_at)
                VALUES (\(group.ownerID), \(group.name), \(group.description), \(group.color), \(group.createdAt), \(group.createdAt))
                RETURNING id
                """
            )
        }
        guard let id = try rows.first?.decode(Int64.self), let created = try await self.group(id: id) else {
            throw MigrationError(message: "INSERT … RETURNING returned no row")
        }
        return created
    }

    public func group(id: Int64) async throws -> DeviceGroup? {
        try await self.database.rows("\(unescaped: Rows.groupSelect) WHERE g.id = \(id)").first.map(Rows.group)
    }

    public func groups(ownerID: Int64, limit: Int, offset: Int) async throws -> (groups: [DeviceGroup], total: Int) {
        let rows = try await self.database.rows(
            "\(unescaped: Rows.groupSelect) WHERE g.user_pk = \(ownerID) ORDER BY g.id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))"
        )
        let total = try Rows.count(try await self.database.rows("SELECT count(*) FROM device_groups WHERE user_pk = \(ownerID)"))
        return (try rows.map(Rows.group), total)
    }

    public func updateGroup(id: Int64, changes: GroupChanges, now: Int64) async throws -> DeviceGroup? {
        var binds = PostgresBindings()
        binds.append(now)
        var assignments = ["updated_at = $1"]
        func set(_ column: String, _ value: String?) {
            binds.append(value)
            assignments.append("\(column) = $\(binds.count)")
        }
        if let name = changes.name { set("name", name) }
        if let description = changes.description { set("description", description) }
        if let color = changes.color { set("color", color) }
        binds.append(id)
        let statement = "UPDATE device_groups SET \(assignments.joined(separator: ", ")) WHERE id = $\(binds.count) RETURNING id"
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(PostgresQuery(unsafeSQL: statement, binds: binds))
        }
        guard !rows.isEmpty else { return nil }
        return try await self.group(id: id)
    }

    public func deleteGroup(id: Int64) async throws {
        _ = try await self.database.rows("DELETE FROM device_groups WHERE id = \(id)")
    }

    public func deleteGroups(ownerID: Int64) async throws {
        _ = try await self.database.rows("DELETE FROM device_groups WHERE user_pk = \(ownerID)")
    }

    public func groupCount() async throws -> Int {
        try Rows.count(try await self.database.rows("SELECT count(*) FROM device_groups"))
    }

    public func addMember(groupID: Int64, deviceID: Int64, now: Int64) async throws -> GroupMembership {
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(
                "INSERT INTO group_members (group_id, device_id, added_at) VALUES (\(groupID), \(deviceID), \(now)) RETURNING id"
            )
        }
        guard let id = try rows.first?.decode(Int64.self) else { throw MigrationError(message: "INSERT … RETURNING returned no row") }
        return GroupMembership(id: id, groupID: groupID, deviceID: deviceID, addedAt: now)
    }

    public func addMembers(groupID: Int64, deviceIDs: [Int64], now: Int64) async throws -> Set<Int64> {
        guard !deviceIDs.isEmpty else { return [] }
        // RETURNING lists only the rows actually inserted, so existing members are told apart.
        let rows = try await self.database.rows(
            """
            INSERT INTO group_members (group_id, device_id, added_at)
            SELECT \(groupID), d, \(now) FROM unnest(\(deviceIDs)::int8[]) AS d
            ON CONFLICT (group_id, device_id) DO NOTHING RETURNING device_id
            """
        )
        return Set(try rows.map { try $0.decode(Int64.self) })
    }

    public func removeMember(groupID: Int64, deviceID: Int64) async throws -> Bool {
        let rows = try await self.database.rows(
            "DELETE FROM group_members WHERE group_id = \(groupID) AND device_id = \(deviceID) RETURNING id"
        )
        return !rows.isEmpty
    }

    public func members(groupID: Int64, limit: Int, offset: Int) async throws -> (members: [GroupMember], total: Int) {
        let rows = try await self.database.rows(
            """
            \(unescaped: Rows.memberSelect) WHERE m.group_id = \(groupID) ORDER BY m.added_at, m.id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
            """
        )
        let total = try Rows.count(try await self.database.rows("SELECT count(*) FROM group_members WHERE group_id = \(groupID)"))
        return (try rows.map { GroupMember(device: try Rows.device($0), addedAt: try $0.makeRandomAccess()["added_at"].decode(Int64.self)) }, total)
    }

    public func members(groupIDs: [Int64]) async throws -> [Int64: [GroupMember]] {
        guard !groupIDs.isEmpty else { return [:] }
        let rows = try await self.database.rows(
            "\(unescaped: Rows.memberSelect) WHERE m.group_id = ANY(\(groupIDs)::int8[]) ORDER BY m.added_at, m.id"
        )
        var result: [Int64: [GroupMember]] = [:]
        for row in rows {
            let columns = row.makeRandomAccess()
            let groupID = try columns["group_id"].decode(Int64.self)
            result[groupID, default: []].append(GroupMember(device: try Rows.device(row), addedAt: try columns["added_at"].decode(Int64.self)))
        }
        return result
    }

    public func groups(ofDevice id: Int64) async throws -> [GroupMembershipSummary] {
        try await self.database.rows(
            """
            SELECT g.id, g.name, g.color, m.added_at FROM group_members m JOIN device_groups g ON g.id = m.group_id
            WHERE m.device_id = \(id) ORDER BY g.name COLLATE "C"
            """
        ).map { row in
            let (groupID, name, color, addedAt) = try row.decode((Int64, String, String?, Int64).self)
            return GroupMembershipSummary(groupID: groupID, name: name, color: color, addedAt: addedAt)
        }
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
