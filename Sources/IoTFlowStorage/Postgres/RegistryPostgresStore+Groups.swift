import IoTFlowCore
import PostgresNIO

/// Groups, memberships and registry totals in PostgreSQL.
extension RegistryPostgresStore {
    static let groupSelect = """
        SELECT g.id, g.user_pk, u.user_id AS owner_public_id, g.name, g.description, g.color, g.created_at, g.updated_at,
            (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS device_count
        FROM device_groups g JOIN users u ON u.id = g.user_pk
        """

    static let memberSelect = """
        SELECT \(deviceColumnNames.map { "d.\($0)" }.joined(separator: ", ")), u.user_id AS owner_public_id, m.group_id, m.added_at
        FROM group_members m JOIN devices d ON d.id = m.device_id JOIN users u ON u.id = d.user_pk
        """

    public func ownedDeviceIDs(_ ids: [Int64], ownerID: Int64) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let rows = try await self.database.rows("SELECT id FROM devices WHERE user_pk = \(ownerID) AND id = ANY(\(ids)::int8[])")
        return Set(try rows.map { try $0.decode(Int64.self) })
    }

    public func registryCounts(onlineSince: Int64) async throws -> RegistryCounts {
        // One statement, so every total comes from the same snapshot.
        let row = try await self.database.rows(
            """
            SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM users WHERE is_active), (SELECT count(*) FROM users WHERE is_admin),
                (SELECT count(*) FROM devices WHERE status = 'active'), (SELECT count(*) FROM devices WHERE status = 'inactive'),
                (SELECT count(*) FROM devices WHERE status = 'maintenance'), (SELECT count(*) FROM devices WHERE last_seen >= \(onlineSince)),
                (SELECT count(*) FROM device_groups)
            """
        ).first
        guard let row else { return RegistryCounts(users: 0, activeUsers: 0, admins: 0, devicesByStatus: [:], onlineDevices: 0, groups: 0) }
        let (users, activeUsers, admins, active, inactive, maintenance, online, groups) = try row.decode(
            (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self
        )
        return RegistryCounts(
            users: Int(users), activeUsers: Int(activeUsers), admins: Int(admins),
            devicesByStatus: [.active: Int(active), .inactive: Int(inactive), .maintenance: Int(maintenance)], onlineDevices: Int(online),
            groups: Int(groups)
        )
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
        try await self.database.rows("\(unescaped: Self.groupSelect) WHERE g.id = \(id)").first.map(Self.group)
    }

    public func groups(ownerID: Int64, limit: Int, offset: Int) async throws -> (groups: [DeviceGroup], total: Int) {
        let rows = try await self.database.rows(
            "\(unescaped: Self.groupSelect) WHERE g.user_pk = \(ownerID) ORDER BY g.id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))"
        )
        let total = try Self.count(try await self.database.rows("SELECT count(*) FROM device_groups WHERE user_pk = \(ownerID)"))
        return (try rows.map(Self.group), total)
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
            \(unescaped: Self.memberSelect) WHERE m.group_id = \(groupID) ORDER BY m.added_at, m.id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
            """
        )
        let total = try Self.count(try await self.database.rows("SELECT count(*) FROM group_members WHERE group_id = \(groupID)"))
        return (try rows.map { GroupMember(device: try Self.device($0), addedAt: try $0.makeRandomAccess()["added_at"].decode(Int64.self)) }, total)
    }

    public func members(groupIDs: [Int64]) async throws -> [Int64: [GroupMember]] {
        guard !groupIDs.isEmpty else { return [:] }
        let rows = try await self.database.rows(
            "\(unescaped: Self.memberSelect) WHERE m.group_id = ANY(\(groupIDs)::int8[]) ORDER BY m.added_at, m.id"
        )
        var result: [Int64: [GroupMember]] = [:]
        for row in rows {
            let columns = row.makeRandomAccess()
            let groupID = try columns["group_id"].decode(Int64.self)
            result[groupID, default: []].append(GroupMember(device: try Self.device(row), addedAt: try columns["added_at"].decode(Int64.self)))
        }
        return result
    }
}
