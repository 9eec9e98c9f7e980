import IoTFlowCore
import PostgresNIO

/// Alerts and their lifecycle in PostgreSQL. The partial unique index `alerts_one_unresolved` keeps one unresolved
/// alert per rule and device, also when several instances evaluate the same device at once.
public struct AlertPostgresStore: AlertStore {
    let database: PostgresDatabase

    /// Creates the store on a database whose pool is running and whose schema is migrated.
    public init(database: PostgresDatabase) {
        self.database = database
    }

    static let columns = """
        id, rule_id, rule_name, type, device_id, device_name, user_id, key, operator, threshold, value, severity, status, message, triggered_at,
        last_value_at, acknowledged_at, resolved_at, resolved_by, note
        """

    public func openAlert(_ alert: Alert) async throws -> Alert? {
        // The conflict target is the partial index: an unresolved alert of this rule and device makes the insert a
        // no-op that returns no row, decided by the index under concurrent inserts, never by a read before the write.
        let rows = try await self.database.rows(
            """
            INSERT INTO alerts (rule_id, rule_name, type, device_id, device_name, user_id, key, operator, threshold, value, severity, status,
                message, triggered_at, last_value_at, note)
            VALUES (\(alert.ruleID), \(alert.ruleName), \(alert.type.rawValue), \(alert.deviceID), \(alert.deviceName), \(alert.userPublicID),
                \(alert.key), \(alert.comparison?.rawValue), \(alert.threshold), \(alert.value), \(alert.severity.rawValue),
                \(AlertStatus.active.rawValue), \(alert.message), \(alert.triggeredAt), \(alert.lastValueAt), \(alert.note))
            ON CONFLICT (rule_id, device_id) WHERE status <> 'resolved' DO NOTHING
            RETURNING \(unescaped: Self.columns)
            """
        )
        return try rows.first.map(Self.alert)
    }

    public func alert(id: Int64) async throws -> Alert? {
        try await self.database.rows("SELECT \(unescaped: Self.columns) FROM alerts WHERE id = \(id)").first.map(Self.alert)
    }

    public func alerts(_ query: AlertQuery) async throws -> (alerts: [Alert], total: Int) {
        var conditions = ["TRUE"]
        var binds = PostgresBindings()
        if let user = query.userPublicID {
            binds.append(user)
            conditions.append("user_id = $\(binds.count)")
        }
        if let status = query.status {
            binds.append(status.rawValue)
            conditions.append("status = $\(binds.count)")
        }
        if let deviceID = query.deviceID {
            binds.append(deviceID)
            conditions.append("device_id = $\(binds.count)")
        }
        if let ruleID = query.ruleID {
            binds.append(ruleID)
            conditions.append("rule_id = $\(binds.count)")
        }
        if let severity = query.severity {
            binds.append(severity.rawValue)
            conditions.append("severity = $\(binds.count)")
        }
        if let start = query.start {
            binds.append(start)
            conditions.append("triggered_at >= $\(binds.count)")
        }
        if let end = query.end {
            binds.append(end)
            conditions.append("triggered_at < $\(binds.count)")
        }
        let filter = conditions.joined(separator: " AND ")
        let total = try RegistryPostgresRows.count(
            try await self.database.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM alerts WHERE \(filter)", binds: binds))
        )
        binds.append(Int64(query.limit))
        binds.append(Int64(query.offset))
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.columns) FROM alerts WHERE \(filter)
                    ORDER BY triggered_at DESC, id DESC LIMIT $\(binds.count - 1) OFFSET $\(binds.count)
                    """,
                binds: binds
            )
        )
        return (try rows.map(Self.alert), total)
    }

    public func unresolvedAlerts(deviceIDs: [Int64]) async throws -> [Alert] {
        guard !deviceIDs.isEmpty else { return [] }
        return try await self.database.rows(
            """
            SELECT \(unescaped: Self.columns) FROM alerts WHERE status <> 'resolved' AND device_id = ANY(\(Array(Set(deviceIDs)))::int8[])
            ORDER BY id
            """
        ).map(Self.alert)
    }

    public func transition(_ transition: AlertTransition) async throws -> Alert? {
        guard !transition.from.isEmpty else { return nil }
        var binds = PostgresBindings()
        var assignments: [String] = []
        func set(_ column: String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            assignments.append("\(column) = $\(binds.count)")
        }
        set("status", transition.to.rawValue)
        switch transition.to {
        case .acknowledged:
            set("acknowledged_at", transition.at)
        case .resolved:
            set("resolved_at", transition.at)
            binds.append(transition.resolvedBy?.rawValue)
            assignments.append("resolved_by = $\(binds.count)")
        case .active:
            break
        }
        if let note = transition.note { set("note", note) }
        binds.append(transition.alertID)
        binds.append(transition.from.map(\.rawValue).sorted())
        // The status condition makes this a compare-and-set: of two racing transitions, the second re-reads the row
        // after the first commits, finds the new status and changes nothing.
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE alerts SET \(assignments.joined(separator: ", ")) WHERE id = $\(binds.count - 1) AND status = ANY($\(binds.count)::text[])
                    RETURNING \(Self.columns)
                    """,
                binds: binds
            )
        )
        return try rows.first.map(Self.alert)
    }

    public func recordValue(alertID: Int64, value: Double?, at timestamp: Int64) async throws {
        // Never moves back in time, so an instance evaluating an older point cannot overwrite a newer one.
        _ = try await self.database.rows(
            """
            UPDATE alerts SET value = \(value), last_value_at = \(timestamp)
            WHERE id = \(alertID) AND status <> 'resolved' AND (last_value_at IS NULL OR last_value_at <= \(timestamp))
            """
        )
    }

    public func lastResolution(ruleID: Int64, deviceID: Int64) async throws -> Int64? {
        try await self.database.rows(
            "SELECT max(resolved_at) FROM alerts WHERE rule_id = \(ruleID) AND device_id = \(deviceID) AND status = 'resolved'"
        ).first?.decode(Int64?.self)
    }

    public func resolveAll(ruleID: Int64, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert] {
        try await self.database.rows(
            """
            UPDATE alerts SET status = 'resolved', resolved_at = \(timestamp), resolved_by = \(resolution.rawValue)
            WHERE rule_id = \(ruleID) AND status <> 'resolved' RETURNING \(unescaped: Self.columns)
            """
        ).map(Self.alert).sorted { $0.id < $1.id }
    }

    public func resolveAll(deviceID: Int64, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert] {
        try await self.database.rows(
            """
            UPDATE alerts SET status = 'resolved', resolved_at = \(timestamp), resolved_by = \(resolution.rawValue)
            WHERE device_id = \(deviceID) AND status <> 'resolved' RETURNING \(unescaped: Self.columns)
            """
        ).map(Self.alert).sorted { $0.id < $1.id }
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }

    static func alert(_ row: PostgresRow) throws -> Alert {
        let columns = row.makeRandomAccess()
        return Alert(
            id: try columns["id"].decode(Int64.self), ruleID: try columns["rule_id"].decode(Int64.self),
            ruleName: try columns["rule_name"].decode(String.self),
            type: AlertRuleType(rawValue: try columns["type"].decode(String.self)) ?? .threshold,
            deviceID: try columns["device_id"].decode(Int64.self),
            deviceName: try columns["device_name"].decode(String.self), userPublicID: try columns["user_id"].decode(String.self),
            key: try columns["key"].decode(String?.self),
            comparison: try columns["operator"].decode(String?.self).flatMap(AlertOperator.init(rawValue:)),
            threshold: try columns["threshold"].decode(Double?.self), value: try columns["value"].decode(Double?.self),
            severity: AlertSeverity(rawValue: try columns["severity"].decode(String.self)) ?? .warning,
            status: AlertStatus(rawValue: try columns["status"].decode(String.self)) ?? .active, message: try columns["message"].decode(String.self),
            triggeredAt: try columns["triggered_at"].decode(Int64.self), lastValueAt: try columns["last_value_at"].decode(Int64?.self),
            acknowledgedAt: try columns["acknowledged_at"].decode(Int64?.self), resolvedAt: try columns["resolved_at"].decode(Int64?.self),
            resolvedBy: try columns["resolved_by"].decode(String?.self).flatMap(AlertResolution.init(rawValue:)),
            note: try columns["note"].decode(String?.self)
        )
    }
}
