import IoTFlowCore
import PostgresNIO

/// Alert rules and job leases in PostgreSQL, next to the devices and groups the rules watch.
public struct AlertRulePostgresStore: AlertRuleStore {
    let database: PostgresDatabase

    /// Creates the store on a database whose pool is running and whose schema is migrated.
    public init(database: PostgresDatabase) {
        self.database = database
    }

    static let columnNames = [
        "id", "user_pk", "name", "device_id", "group_id", "type", "key", "operator", "threshold", "duration_s", "offline_after_s", "severity",
        "cooldown_s", "enabled", "created_at", "updated_at",
    ]

    /// Rule columns with the owner's public id (and `extra` columns), for `FROM alert_rules r JOIN users u`.
    static func select(extra: String = "") -> String {
        "SELECT \(Self.columnNames.map { "r.\($0)" }.joined(separator: ", ")), u.user_id AS owner_public_id\(extra) FROM alert_rules r JOIN users u ON u.id = r.user_pk"
    }

    public func createRule(_ rule: NewAlertRule) async throws -> AlertRule {
        let rule = rule.rule
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(
                """
                INSERT INTO alert_rules (user_pk, name, device_id, group_id, type, key, operator, threshold, duration_s, offline_after_s, severity,
                    cooldown_s, enabled, created_at, updated_at)
                VALUES (\(rule.ownerID), \(rule.name), \(rule.deviceID), \(rule.groupID), \(rule.type.rawValue), \(rule.key),
                    \(rule.comparison?.rawValue), \(rule.threshold), \(Int64(rule.durationSeconds)), \(rule.offlineAfterSeconds.map(Int64.init)),
                    \(rule.severity.rawValue), \(Int64(rule.cooldownSeconds)), \(rule.enabled), \(rule.createdAt), \(rule.updatedAt))
                RETURNING id
                """
            )
        }
        guard let id = try rows.first?.decode(Int64.self), let created = try await self.rule(id: id) else {
            throw MigrationError(message: "INSERT … RETURNING returned no row")
        }
        return created
    }

    public func rule(id: Int64) async throws -> AlertRule? {
        try await self.database.rows("\(unescaped: Self.select()) WHERE r.id = \(id)").first.map(Self.rule)
    }

    public func rules(_ query: AlertRuleQuery) async throws -> (rules: [AlertRule], total: Int) {
        var conditions = ["TRUE"]
        var binds = PostgresBindings()
        if let ownerID = query.ownerID {
            binds.append(ownerID)
            conditions.append("r.user_pk = $\(binds.count)")
        }
        if let deviceID = query.deviceID {
            binds.append(deviceID)
            conditions.append("r.device_id = $\(binds.count)")
        }
        if let groupID = query.groupID {
            binds.append(groupID)
            conditions.append("r.group_id = $\(binds.count)")
        }
        if let enabled = query.enabled {
            binds.append(enabled)
            conditions.append("r.enabled = $\(binds.count)")
        }
        let filter = conditions.joined(separator: " AND ")
        let total = try RegistryPostgresRows.count(
            try await self.database.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM alert_rules r WHERE \(filter)", binds: binds))
        )
        binds.append(Int64(query.limit))
        binds.append(Int64(query.offset))
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: "\(Self.select()) WHERE \(filter) ORDER BY r.id LIMIT $\(binds.count - 1) OFFSET $\(binds.count)", binds: binds
            )
        )
        return (try rows.map(Self.rule), total)
    }

    public func updateRule(_ rule: AlertRule) async throws -> AlertRule? {
        // Owner and creation time are not settings of a rule: they stay as stored.
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(
                """
                UPDATE alert_rules SET name = \(rule.name), device_id = \(rule.deviceID), group_id = \(rule.groupID), type = \(rule.type.rawValue),
                    key = \(rule.key), operator = \(rule.comparison?.rawValue), threshold = \(rule.threshold),
                    duration_s = \(Int64(rule.durationSeconds)), offline_after_s = \(rule.offlineAfterSeconds.map(Int64.init)),
                    severity = \(rule.severity.rawValue), cooldown_s = \(Int64(rule.cooldownSeconds)), enabled = \(rule.enabled),
                    updated_at = \(rule.updatedAt)
                WHERE id = \(rule.id) RETURNING id
                """
            )
        }
        guard !rows.isEmpty else { return nil }
        return try await self.rule(id: rule.id)
    }

    public func deleteRule(id: Int64) async throws -> Bool {
        !(try await self.database.rows("DELETE FROM alert_rules WHERE id = \(id) RETURNING id")).isEmpty
    }

    public func enabledRules(deviceIDs: [Int64]) async throws -> [Int64: [AlertRule]] {
        guard !deviceIDs.isEmpty else { return [:] }
        let ids = Array(Set(deviceIDs))
        // Group rules reach the group's members as they are now, so a device joining later is watched at once.
        let rows = try await self.database.rows(
            """
            \(unescaped: Self.select(extra: ", r.device_id AS target")) WHERE r.enabled AND r.device_id = ANY(\(ids)::int8[])
            UNION ALL
            \(unescaped: Self.select(extra: ", m.device_id AS target")) JOIN group_members m ON m.group_id = r.group_id
            WHERE r.enabled AND m.device_id = ANY(\(ids)::int8[])
            ORDER BY target, id
            """
        )
        var result: [Int64: [AlertRule]] = [:]
        for row in rows {
            let target = try row.makeRandomAccess()["target"].decode(Int64.self)
            result[target, default: []].append(try Self.rule(row))
        }
        return result
    }

    public func enabledOfflineRules() async throws -> [AlertRule] {
        try await self.database.rows(
            "\(unescaped: Self.select()) WHERE r.enabled AND r.type = \(AlertRuleType.offline.rawValue) ORDER BY r.id"
        ).map(Self.rule)
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, milliseconds: Int64) async throws -> Bool {
        // One statement, atomic under concurrent callers: taking a free or expired lease and renewing one's own are
        // the same upsert, and the WHERE leaves another holder's unexpired lease alone (no row comes back then).
        let rows = try await self.database.rows(
            """
            INSERT INTO leases (name, holder, expires_at) VALUES (\(name), \(holder), \(now + milliseconds))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.expires_at <= \(now) OR leases.holder = excluded.holder
            RETURNING holder
            """
        )
        return !rows.isEmpty
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }

    static func rule(_ row: PostgresRow) throws -> AlertRule {
        let columns = row.makeRandomAccess()
        return AlertRule(
            id: try columns["id"].decode(Int64.self), name: try columns["name"].decode(String.self),
            ownerID: try columns["user_pk"].decode(Int64.self), ownerPublicID: try columns["owner_public_id"].decode(String.self),
            deviceID: try columns["device_id"].decode(Int64?.self), groupID: try columns["group_id"].decode(Int64?.self),
            type: AlertRuleType(rawValue: try columns["type"].decode(String.self)) ?? .threshold, key: try columns["key"].decode(String?.self),
            comparison: try columns["operator"].decode(String?.self).flatMap(AlertOperator.init(rawValue:)),
            threshold: try columns["threshold"].decode(Double?.self), durationSeconds: Int(try columns["duration_s"].decode(Int64.self)),
            offlineAfterSeconds: try columns["offline_after_s"].decode(Int64?.self).map(Int.init),
            severity: AlertSeverity(rawValue: try columns["severity"].decode(String.self)) ?? .warning,
            cooldownSeconds: Int(try columns["cooldown_s"].decode(Int64.self)), enabled: try columns["enabled"].decode(Bool.self),
            createdAt: try columns["created_at"].decode(Int64.self), updatedAt: try columns["updated_at"].decode(Int64.self)
        )
    }
}
