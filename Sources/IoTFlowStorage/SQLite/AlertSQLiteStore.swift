import IoTFlowCore
import SQLiteNIO

/// Alerts and their lifecycle in SQLite. The partial unique index `alerts_one_unresolved` keeps one unresolved alert
/// per rule and device, also when several processes write the same file.
public struct AlertSQLiteStore: AlertStore {
    let database: SQLiteDatabaseFile

    /// Creates the store on an open database file.
    public init(database: SQLiteDatabaseFile) {
        self.database = database
    }

    static let columnNames = [
        "id", "rule_id", "rule_name", "type", "device_id", "device_name", "user_id", "key", "operator", "threshold", "value", "severity",
        "status", "message", "triggered_at", "last_value_at", "acknowledged_at", "resolved_at", "resolved_by", "note",
    ]

    static let columns = RegistrySQLiteRows.columns(Self.columnNames)

    public func openAlert(_ alert: Alert) async throws -> Alert? {
        // The conflict target is the partial index: an unresolved alert of this rule and device makes the insert a
        // no-op that returns no row, decided by SQLite under its write lock, never by a read before the write.
        let rows = try await self.database.write {
            try await $0.query(
                """
                INSERT INTO alerts (rule_id, rule_name, type, device_id, device_name, user_id, key, operator, threshold, value, severity, status,
                    message, triggered_at, last_value_at, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (rule_id, device_id) WHERE status <> 'resolved' DO NOTHING
                RETURNING \(Self.columns)
                """,
                [
                    .int(alert.ruleID), .text(alert.ruleName), .text(alert.type.rawValue), .int(alert.deviceID), .text(alert.deviceName),
                    .text(alert.userPublicID), .optionalText(alert.key), .optionalText(alert.comparison?.rawValue), Self.real(alert.threshold),
                    Self.real(alert.value), .text(alert.severity.rawValue), .text(AlertStatus.active.rawValue), .text(alert.message),
                    .int(alert.triggeredAt), .optionalInt(alert.lastValueAt), .optionalText(alert.note),
                ]
            )
        }
        return rows.first.map(Self.alert)
    }

    public func alert(id: Int64) async throws -> Alert? {
        try await self.database.read("SELECT \(Self.columns) FROM alerts WHERE id = ?", [.int(id)]).first.map(Self.alert)
    }

    public func alerts(_ query: AlertQuery) async throws -> (alerts: [Alert], total: Int) {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        func add(_ condition: String, _ value: SQLiteData) {
            conditions.append(condition)
            binds.append(value)
        }
        if let user = query.userPublicID { add("user_id = ?", .text(user)) }
        if let status = query.status { add("status = ?", .text(status.rawValue)) }
        if let deviceID = query.deviceID { add("device_id = ?", .int(deviceID)) }
        if let ruleID = query.ruleID { add("rule_id = ?", .int(ruleID)) }
        if let severity = query.severity { add("severity = ?", .text(severity.rawValue)) }
        if let start = query.start { add("triggered_at >= ?", .int(start)) }
        if let end = query.end { add("triggered_at < ?", .int(end)) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try await self.database.read(
            "SELECT \(Self.columns) FROM alerts \(filter) ORDER BY triggered_at DESC, id DESC LIMIT ? OFFSET ?",
            binds + [.integer(query.limit), .integer(query.offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM alerts \(filter)", binds).first?.int("n") ?? 0
        return (rows.map(Self.alert), total)
    }

    public func unresolvedAlerts(deviceIDs: [Int64]) async throws -> [Alert] {
        var alerts: [Alert] = []
        for chunk in Set(deviceIDs).sorted().chunked(10_000) {
            let rows = try await self.database.read(
                "SELECT \(Self.columns) FROM alerts WHERE status <> 'resolved' AND device_id IN (\(placeholders(chunk.count))) ORDER BY id",
                chunk.map { .int($0) }
            )
            alerts.append(contentsOf: rows.map(Self.alert))
        }
        return alerts.sorted { $0.id < $1.id }
    }

    public func transition(_ transition: AlertTransition) async throws -> Alert? {
        guard !transition.from.isEmpty else { return nil }
        var assignments = ["status = ?"]
        var binds: [SQLiteData] = [.text(transition.to.rawValue)]
        switch transition.to {
        case .acknowledged:
            assignments.append("acknowledged_at = ?")
            binds.append(.int(transition.at))
        case .resolved:
            assignments += ["resolved_at = ?", "resolved_by = ?"]
            binds += [.int(transition.at), .optionalText(transition.resolvedBy?.rawValue)]
        case .active:
            break
        }
        if let note = transition.note {
            assignments.append("note = ?")
            binds.append(.text(note))
        }
        let from = transition.from.map(\.rawValue).sorted()
        // The status condition makes this a compare-and-set: of two racing transitions, the second finds the new
        // status and changes nothing.
        let rows = try await self.database.write { [assignments, binds] in
            try await $0.query(
                """
                UPDATE alerts SET \(assignments.joined(separator: ", ")) WHERE id = ? AND status IN (\(placeholders(from.count)))
                RETURNING \(Self.columns)
                """,
                binds + [.int(transition.alertID)] + from.map { .text($0) }
            )
        }
        return rows.first.map(Self.alert)
    }

    public func recordValue(alertID: Int64, value: Double?, at timestamp: Int64) async throws {
        // Never moves back in time, so an instance evaluating an older point cannot overwrite a newer one.
        _ = try await self.database.write {
            try await $0.query(
                """
                UPDATE alerts SET value = ?, last_value_at = ?
                WHERE id = ? AND status <> 'resolved' AND (last_value_at IS NULL OR last_value_at <= ?)
                """,
                [Self.real(value), .int(timestamp), .int(alertID), .int(timestamp)]
            )
        }
    }

    public func lastResolution(ruleID: Int64, deviceID: Int64) async throws -> Int64? {
        try await self.database.read(
            "SELECT MAX(resolved_at) AS t FROM alerts WHERE rule_id = ? AND device_id = ? AND status = 'resolved'", [.int(ruleID), .int(deviceID)]
        ).first?.int64("t")
    }

    public func resolveAll(ruleID: Int64, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert] {
        try await self.resolveAll(where: "rule_id = ?", .int(ruleID), by: resolution, at: timestamp)
    }

    public func resolveAll(deviceID: Int64, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert] {
        try await self.resolveAll(where: "device_id = ?", .int(deviceID), by: resolution, at: timestamp)
    }

    private func resolveAll(where filter: String, _ bind: SQLiteData, by resolution: AlertResolution, at time: Int64) async throws -> [Alert] {
        let rows = try await self.database.write {
            try await $0.query(
                """
                UPDATE alerts SET status = 'resolved', resolved_at = ?, resolved_by = ? WHERE \(filter) AND status <> 'resolved'
                RETURNING \(Self.columns)
                """,
                [.int(time), .text(resolution.rawValue), bind]
            )
        }
        return rows.map(Self.alert).sorted { $0.id < $1.id }
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }

    static func real(_ value: Double?) -> SQLiteData {
        value.map { .float($0) } ?? .null
    }

    static func alert(_ row: SQLiteRecord) -> Alert {
        Alert(
            id: row.int64("id") ?? 0, ruleID: row.int64("rule_id") ?? 0, ruleName: row.string("rule_name") ?? "",
            type: AlertRuleType(rawValue: row.string("type") ?? "") ?? .threshold, deviceID: row.int64("device_id") ?? 0,
            deviceName: row.string("device_name") ?? "", userPublicID: row.string("user_id") ?? "", key: row.string("key"),
            comparison: row.string("operator").flatMap(AlertOperator.init(rawValue:)), threshold: row.double("threshold"),
            value: row.double("value"), severity: AlertSeverity(rawValue: row.string("severity") ?? "") ?? .warning,
            status: AlertStatus(rawValue: row.string("status") ?? "") ?? .active, message: row.string("message") ?? "",
            triggeredAt: row.int64("triggered_at") ?? 0, lastValueAt: row.int64("last_value_at"), acknowledgedAt: row.int64("acknowledged_at"),
            resolvedAt: row.int64("resolved_at"), resolvedBy: row.string("resolved_by").flatMap(AlertResolution.init(rawValue:)),
            note: row.string("note")
        )
    }
}
