import IoTFlowCore
import SQLiteNIO

/// Alert rules and job leases in SQLite, next to the devices and groups the rules watch.
public struct AlertRuleSQLiteStore: AlertRuleStore {
    let database: SQLiteDatabaseFile

    /// Creates the store on an open database file.
    public init(database: SQLiteDatabaseFile) {
        self.database = database
    }

    static let columnNames = [
        "id", "user_pk", "name", "device_id", "group_id", "type", "key", "operator", "threshold", "duration_s", "offline_after_s", "severity",
        "cooldown_s", "enabled", "created_at", "updated_at",
    ]

    /// Rule columns with the owner's public id (and `extra` columns), for `FROM alert_rules r JOIN users u`.
    static func select(extra: String = "") -> String {
        "SELECT \(RegistrySQLiteRows.columns(Self.columnNames, table: "r")), u.user_id AS owner_public_id\(extra) FROM alert_rules r JOIN users u ON u.id = r.user_pk"
    }

    public func createRule(_ rule: NewAlertRule) async throws -> AlertRule {
        let rule = rule.rule
        let rows = try await self.database.writeTranslatingConstraints {
            try await $0.query(
                """
                INSERT INTO alert_rules (user_pk, name, device_id, group_id, type, key, operator, threshold, duration_s, offline_after_s, severity,
                    cooldown_s, enabled, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """,
                [.int(rule.ownerID), .text(rule.name)] + Self.settings(of: rule) + [.int(rule.createdAt), .int(rule.updatedAt)]
            )
        }
        guard let id = rows.first?.int64("id"), let created = try await self.rule(id: id) else {
            throw MigrationError(message: "INSERT … RETURNING returned no row")
        }
        return created
    }

    public func rule(id: Int64) async throws -> AlertRule? {
        try await self.database.read("\(Self.select()) WHERE r.id = ?", [.int(id)]).first.map(Self.rule)
    }

    public func rules(_ query: AlertRuleQuery) async throws -> (rules: [AlertRule], total: Int) {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        if let ownerID = query.ownerID {
            conditions.append("r.user_pk = ?")
            binds.append(.int(ownerID))
        }
        if let deviceID = query.deviceID {
            conditions.append("r.device_id = ?")
            binds.append(.int(deviceID))
        }
        if let groupID = query.groupID {
            conditions.append("r.group_id = ?")
            binds.append(.int(groupID))
        }
        if let enabled = query.enabled {
            conditions.append("r.enabled = ?")
            binds.append(.integer(enabled ? 1 : 0))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try await self.database.read(
            "\(Self.select()) \(filter) ORDER BY r.id LIMIT ? OFFSET ?", binds + [.integer(query.limit), .integer(query.offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM alert_rules r \(filter)", binds).first?.int("n") ?? 0
        return (rows.map(Self.rule), total)
    }

    public func updateRule(_ rule: AlertRule) async throws -> AlertRule? {
        // Owner and creation time are not settings of a rule: they stay as stored.
        let rows = try await self.database.writeTranslatingConstraints {
            try await $0.query(
                """
                UPDATE alert_rules SET name = ?, device_id = ?, group_id = ?, type = ?, key = ?, operator = ?, threshold = ?, duration_s = ?,
                    offline_after_s = ?, severity = ?, cooldown_s = ?, enabled = ?, updated_at = ?
                WHERE id = ? RETURNING id
                """,
                [.text(rule.name)] + Self.settings(of: rule) + [.int(rule.updatedAt), .int(rule.id)]
            )
        }
        guard !rows.isEmpty else { return nil }
        return try await self.rule(id: rule.id)
    }

    public func deleteRule(id: Int64) async throws -> Bool {
        try await self.database.write { connection in
            !(try await connection.query("DELETE FROM alert_rules WHERE id = ? RETURNING id", [.int(id)])).isEmpty
        }
    }

    public func enabledRules(deviceIDs: [Int64]) async throws -> [Int64: [AlertRule]] {
        var result: [Int64: [AlertRule]] = [:]
        // Two bound lists per statement; SQLite allows 32766 variables.
        for chunk in Set(deviceIDs).sorted().chunked(10_000) {
            let list = placeholders(chunk.count)
            let binds = chunk.map { SQLiteData.int($0) }
            // Group rules reach the group's members as they are now, so a device joining later is watched at once.
            let rows = try await self.database.read(
                """
                SELECT * FROM (
                    \(Self.select(extra: ", r.device_id AS target"))
                    WHERE r.enabled = 1 AND r.device_id IN (\(list))
                    UNION ALL
                    \(Self.select(extra: ", m.device_id AS target"))
                    JOIN group_members m ON m.group_id = r.group_id WHERE r.enabled = 1 AND m.device_id IN (\(list))
                ) ORDER BY target, id
                """,
                binds + binds
            )
            for row in rows {
                guard let target = row.int64("target") else { continue }
                result[target, default: []].append(Self.rule(row))
            }
        }
        return result
    }

    public func enabledOfflineRules() async throws -> [AlertRule] {
        try await self.database.read(
            "\(Self.select()) WHERE r.enabled = 1 AND r.type = ? ORDER BY r.id", [.text(AlertRuleType.offline.rawValue)]
        ).map(Self.rule)
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, milliseconds: Int64) async throws -> Bool {
        // One statement: taking a free or expired lease and renewing one's own are the same upsert, and the WHERE
        // leaves another holder's unexpired lease alone (no row comes back then).
        let rows = try await self.database.write {
            try await $0.query(
                """
                INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.expires_at <= ? OR leases.holder = excluded.holder
                RETURNING holder
                """,
                [.text(name), .text(holder), .int(now + milliseconds), .int(now)]
            )
        }
        return !rows.isEmpty
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }

    /// Binds for device_id … enabled, in the column order of the insert and the update.
    private static func settings(of rule: AlertRule) -> [SQLiteData] {
        [
            .optionalInt(rule.deviceID), .optionalInt(rule.groupID), .text(rule.type.rawValue), .optionalText(rule.key),
            .optionalText(rule.comparison?.rawValue), rule.threshold.map { .float($0) } ?? .null, .integer(rule.durationSeconds),
            rule.offlineAfterSeconds.map { .integer($0) } ?? .null, .text(rule.severity.rawValue), .integer(rule.cooldownSeconds),
            .integer(rule.enabled ? 1 : 0),
        ]
    }

    static func rule(_ row: SQLiteRecord) -> AlertRule {
        AlertRule(
            id: row.int64("id") ?? 0, name: row.string("name") ?? "", ownerID: row.int64("user_pk") ?? 0,
            ownerPublicID: row.string("owner_public_id") ?? "", deviceID: row.int64("device_id"), groupID: row.int64("group_id"),
            type: AlertRuleType(rawValue: row.string("type") ?? "") ?? .threshold, key: row.string("key"),
            comparison: row.string("operator").flatMap(AlertOperator.init(rawValue:)), threshold: row.double("threshold"),
            durationSeconds: row.int("duration_s"), offlineAfterSeconds: row.int64("offline_after_s").map(Int.init),
            severity: AlertSeverity(rawValue: row.string("severity") ?? "") ?? .warning, cooldownSeconds: row.int("cooldown_s"),
            enabled: row.bool("enabled"), createdAt: row.int64("created_at") ?? 0, updatedAt: row.int64("updated_at") ?? 0
        )
    }
}
