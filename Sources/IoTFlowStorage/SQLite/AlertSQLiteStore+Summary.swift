import IoTFlowCore
import SQLiteNIO

extension AlertSQLiteStore {
    public func summary(userPublicID: String?, start: Int64, end: Int64) async throws -> AlertSummary {
        var filter = "triggered_at >= ? AND triggered_at < ?"
        var binds: [SQLiteData] = [.int(start), .int(end)]
        if let userPublicID {
            filter += " AND user_id = ?"
            binds.append(.text(userPublicID))
        }
        let counts = try await self.database.read(
            "SELECT severity, status, COUNT(*) AS n FROM alerts WHERE \(filter) GROUP BY severity, status", binds
        )
        var bySeverity: [AlertSeverity: Int] = [:]
        var byStatus: [AlertStatus: Int] = [:]
        for row in counts {
            if let severity = row.string("severity").flatMap(AlertSeverity.init(rawValue:)) { bySeverity[severity, default: 0] += row.int("n") }
            if let status = row.string("status").flatMap(AlertStatus.init(rawValue:)) { byStatus[status, default: 0] += row.int("n") }
        }
        // Each device's count and the name of its latest alert in the range, in one pass over the range.
        let top = try await self.database.read(
            """
            SELECT device_id, device_name, n FROM (
                SELECT device_id, device_name, COUNT(*) OVER (PARTITION BY device_id) AS n,
                    ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY triggered_at DESC, id DESC) AS position
                FROM alerts WHERE \(filter)
            ) WHERE position = 1 ORDER BY n DESC, device_id LIMIT 10
            """,
            binds
        )
        let devices = top.map {
            DeviceAlertCount(deviceID: $0.int64("device_id") ?? 0, deviceName: $0.string("device_name") ?? "", count: $0.int("n"))
        }
        return AlertSummary(bySeverity: bySeverity, byStatus: byStatus, topDevices: devices)
    }

    public func statistics(resolvedSince: Int64) async throws -> AlertStatistics {
        let row = try await self.database.read(
            """
            SELECT COALESCE(SUM(status = 'active'), 0) AS active, COALESCE(SUM(status = 'acknowledged'), 0) AS acknowledged,
                COALESCE(SUM(status = 'resolved'), 0) AS resolved
            FROM alerts WHERE status <> 'resolved' OR resolved_at >= ?
            """,
            [.int(resolvedSince)]
        ).first
        return AlertStatistics(
            active: row?.int("active") ?? 0, acknowledged: row?.int("acknowledged") ?? 0, resolvedLast24h: row?.int("resolved") ?? 0)
    }
}
