import IoTFlowCore
import SQLiteNIO

/// Device groups and memberships in SQLite.
public struct GroupSQLiteStore: GroupStore {
    typealias Rows = RegistrySQLiteRows
    let database: SQLiteDatabaseFile

    /// Creates the store on an open database file.
    public init(database: SQLiteDatabaseFile) {
        self.database = database
    }

    public func createGroup(_ group: NewGroup) async throws -> DeviceGroup {
        let rows = try await self.database.writeTranslatingConstraints {
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
        try await self.database.read("\(Rows.groupSelect) WHERE g.id = ?", [.int(id)]).first.map(Rows.group)
    }

    public func groups(ownerID: Int64, limit: Int, offset: Int) async throws -> (groups: [DeviceGroup], total: Int) {
        let rows = try await self.database.read(
            "\(Rows.groupSelect) WHERE g.user_pk = ? ORDER BY g.id LIMIT ? OFFSET ?", [.int(ownerID), .integer(limit), .integer(offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM device_groups WHERE user_pk = ?", [.int(ownerID)]).first?.int("n") ?? 0
        return (rows.map(Rows.group), total)
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
        let rows = try await self.database.writeTranslatingConstraints { [binds] in try await $0.query(statement, binds + [.int(id)]) }
        guard !rows.isEmpty else { return nil }
        return try await self.group(id: id)
    }

    public func deleteGroup(id: Int64) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM device_groups WHERE id = ?", [.int(id)]) }
    }

    public func deleteGroups(ownerID: Int64) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM device_groups WHERE user_pk = ?", [.int(ownerID)]) }
    }

    public func groupCount() async throws -> Int {
        try await self.database.read("SELECT COUNT(*) AS n FROM device_groups").first?.int("n") ?? 0
    }

    public func addMember(groupID: Int64, deviceID: Int64, now: Int64) async throws -> GroupMembership {
        let rows = try await self.database.writeTranslatingConstraints {
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
            return await connection.changes() > 0
        }
    }

    public func members(groupID: Int64, limit: Int, offset: Int) async throws -> (members: [GroupMember], total: Int) {
        let rows = try await self.database.read(
            "\(Rows.memberSelect) WHERE m.group_id = ? ORDER BY m.added_at, m.id LIMIT ? OFFSET ?",
            [.int(groupID), .integer(limit), .integer(offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM group_members WHERE group_id = ?", [.int(groupID)]).first?.int("n") ?? 0
        return (rows.map { GroupMember(device: Rows.device($0), addedAt: $0.int64("added_at") ?? 0) }, total)
    }

    public func members(groupIDs: [Int64]) async throws -> [Int64: [GroupMember]] {
        guard !groupIDs.isEmpty else { return [:] }
        let rows = try await self.database.read(
            "\(Rows.memberSelect) WHERE m.group_id IN (\(placeholders(groupIDs.count))) ORDER BY m.added_at, m.id", groupIDs.map { .int($0) }
        )
        var result: [Int64: [GroupMember]] = [:]
        for row in rows {
            guard let groupID = row.int64("group_id") else { continue }
            result[groupID, default: []].append(GroupMember(device: Rows.device(row), addedAt: row.int64("added_at") ?? 0))
        }
        return result
    }

    public func groups(ofDevice id: Int64) async throws -> [GroupMembershipSummary] {
        try await self.database.read(
            """
            SELECT g.id, g.name, g.color, m.added_at FROM group_members m JOIN device_groups g ON g.id = m.group_id
            WHERE m.device_id = ? ORDER BY g.name
            """,
            [.int(id)]
        ).map {
            GroupMembershipSummary(
                groupID: $0.int64("id") ?? 0, name: $0.string("name") ?? "", color: $0.string("color"), addedAt: $0.int64("added_at") ?? 0)
        }
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
