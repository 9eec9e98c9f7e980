import IoTFlowCore
import SQLiteNIO

/// Groups, memberships and registry totals in SQLite.
extension RegistrySQLiteStore {
    static let groupSelect = """
        SELECT g.id, g.user_pk, u.user_id AS owner_public_id, g.name, g.description, g.color, g.created_at, g.updated_at,
            (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS device_count
        FROM device_groups g JOIN users u ON u.id = g.user_pk
        """

    static let memberSelect = """
        SELECT \(columns(deviceColumnNames, table: "d")), u.user_id AS owner_public_id, m.group_id, m.added_at
        FROM group_members m JOIN devices d ON d.id = m.device_id JOIN users u ON u.id = d.user_pk
        """

    public func ownedDeviceIDs(_ ids: [Int64], ownerID: Int64) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        var owned = Set<Int64>()
        for chunk in ids.chunked(10_000) {
            let rows = try await self.database.read(
                "SELECT id FROM devices WHERE user_pk = ? AND id IN (\(placeholders(chunk.count)))", [.int(ownerID)] + chunk.map { .int($0) }
            )
            owned.formUnion(rows.compactMap { $0.int64("id") })
        }
        return owned
    }

    public func registryCounts(onlineSince: Int64) async throws -> RegistryCounts {
        // One statement, so every total comes from the same snapshot.
        let row = try await self.database.read(
            """
            SELECT (SELECT COUNT(*) FROM users) AS users,
                (SELECT COUNT(*) FROM users WHERE is_active = 1) AS active_users,
                (SELECT COUNT(*) FROM users WHERE is_admin = 1) AS admins,
                (SELECT COUNT(*) FROM devices WHERE status = 'active') AS active,
                (SELECT COUNT(*) FROM devices WHERE status = 'inactive') AS inactive,
                (SELECT COUNT(*) FROM devices WHERE status = 'maintenance') AS maintenance,
                (SELECT COUNT(*) FROM devices WHERE last_seen >= ?) AS online,
                (SELECT COUNT(*) FROM device_groups) AS groups
            """,
            [.int(onlineSince)]
        ).first
        guard let row else { return RegistryCounts(users: 0, activeUsers: 0, admins: 0, devicesByStatus: [:], onlineDevices: 0, groups: 0) }
        return RegistryCounts(
            users: row.int("users"), activeUsers: row.int("active_users"), admins: row.int("admins"),
            devicesByStatus: [.active: row.int("active"), .inactive: row.int("inactive"), .maintenance: row.int("maintenance")],
            onlineDevices: row.int("online"), groups: row.int("groups")
        )
    }

    public func createGroup(_ group: NewGroup) async throws -> DeviceGroup {
        let rows = try await self.writeTranslatingConstraints {
            try await $0.query(
                "INSERT INTO device_groups (user_pk, name, description, color, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                [
                    .int(group.ownerID), .text(group.name), .optionalText(group.description), .text(group.color), .int(group.createdAt),
                    .int(group.createdAt),
                ]
            )
        }
        guard let id = rows.first?.int64("id"), let created = try await self.group(id: id) else {
            throw MigrationError(message: "INSERT … RETURNING returned no row")
        }
        return created
    }

    public func group(id: Int64) async throws -> DeviceGroup? {
        try await self.database.read("\(Self.groupSelect) WHERE g.id = ?", [.int(id)]).first.map(Self.group)
    }

    public func groups(ownerID: Int64, limit: Int, offset: Int) async throws -> (groups: [DeviceGroup], total: Int) {
        let rows = try await self.database.read(
            "\(Self.groupSelect) WHERE g.user_pk = ? ORDER BY g.id LIMIT ? OFFSET ?", [.int(ownerID), .integer(limit), .integer(offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM device_groups WHERE user_pk = ?", [.int(ownerID)]).first?.int("n") ?? 0
        return (rows.map(Self.group), total)
    }

    public func updateGroup(id: Int64, changes: GroupChanges, now: Int64) async throws -> DeviceGroup? {
        var assignments = ["updated_at = ?"]
        var binds: [SQLiteData] = [.int(now)]
        if let name = changes.name {
            assignments.append("name = ?")
            binds.append(.text(name))
        }
        if let description = changes.description {
            assignments.append("description = ?")
            binds.append(.optionalText(description))
        }
        if let color = changes.color {
            assignments.append("color = ?")
            binds.append(.text(color))
        }
        let statement = "UPDATE device_groups SET \(assignments.joined(separator: ", ")) WHERE id = ? RETURNING id"
        let rows = try await self.writeTranslatingConstraints { try await $0.query(statement, binds + [.int(id)]) }
        guard !rows.isEmpty else { return nil }
        return try await self.group(id: id)
    }

    public func deleteGroup(id: Int64) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM device_groups WHERE id = ?", [.int(id)]) }
    }

    public func addMember(groupID: Int64, deviceID: Int64, now: Int64) async throws -> GroupMembership {
        let rows = try await self.writeTranslatingConstraints {
            try await $0.query(
                "INSERT INTO group_members (group_id, device_id, added_at) VALUES (?, ?, ?) RETURNING id, group_id, device_id, added_at",
                [.int(groupID), .int(deviceID), .int(now)]
            )
        }
        guard let row = rows.first else { throw MigrationError(message: "INSERT … RETURNING returned no row") }
        return GroupMembership(
            id: row.int64("id") ?? 0, groupID: row.int64("group_id") ?? groupID, deviceID: row.int64("device_id") ?? deviceID,
            addedAt: row.int64("added_at") ?? now
        )
    }

    public func addMembers(groupID: Int64, deviceIDs: [Int64], now: Int64) async throws -> Set<Int64> {
        guard !deviceIDs.isEmpty else { return [] }
        return try await self.database.write { connection in
            var added = Set<Int64>()
            for chunk in deviceIDs.chunked(5000) {
                // RETURNING lists only the rows actually inserted, so existing members are told apart.
                let rows = try await connection.query(
                    "INSERT OR IGNORE INTO group_members (group_id, device_id, added_at) VALUES "
                        + Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", ") + " RETURNING device_id",
                    chunk.flatMap { [SQLiteData.int(groupID), .int($0), .int(now)] }
                )
                added.formUnion(rows.compactMap { $0.int64("device_id") })
            }
            return added
        }
    }

    public func removeMember(groupID: Int64, deviceID: Int64) async throws -> Bool {
        try await self.database.write { connection in
            _ = try await connection.query("DELETE FROM group_members WHERE group_id = ? AND device_id = ?", [.int(groupID), .int(deviceID)])
            return try await connection.changes() > 0
        }
    }

    public func members(groupID: Int64, limit: Int, offset: Int) async throws -> (members: [GroupMember], total: Int) {
        let rows = try await self.database.read(
            "\(Self.memberSelect) WHERE m.group_id = ? ORDER BY m.added_at, m.id LIMIT ? OFFSET ?",
            [.int(groupID), .integer(limit), .integer(offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM group_members WHERE group_id = ?", [.int(groupID)]).first?.int("n") ?? 0
        return (rows.map { GroupMember(device: Self.device($0), addedAt: $0.int64("added_at") ?? 0) }, total)
    }

    public func members(groupIDs: [Int64]) async throws -> [Int64: [GroupMember]] {
        guard !groupIDs.isEmpty else { return [:] }
        let rows = try await self.database.read(
            "\(Self.memberSelect) WHERE m.group_id IN (\(placeholders(groupIDs.count))) ORDER BY m.added_at, m.id", groupIDs.map { .int($0) }
        )
        var result: [Int64: [GroupMember]] = [:]
        for row in rows {
            guard let groupID = row.int64("group_id") else { continue }
            result[groupID, default: []].append(GroupMember(device: Self.device(row), addedAt: row.int64("added_at") ?? 0))
        }
        return result
    }

    static func group(_ row: SQLiteRow) -> DeviceGroup {
        DeviceGroup(
            id: row.int64("id") ?? 0, ownerID: row.int64("user_pk") ?? 0, ownerPublicID: row.string("owner_public_id") ?? "",
            name: row.string("name") ?? "", description: row.string("description"), color: row.string("color") ?? "",
            createdAt: row.int64("created_at") ?? 0, updatedAt: row.int64("updated_at") ?? 0, deviceCount: row.int("device_count")
        )
    }
}
