import IoTFlowCore
import PostgresNIO

extension AlertPostgresStore {
    public func summary(userPublicID: String?, start: Int64, end: Int64) async throws -> AlertSummary {
        var binds = PostgresBindings()
        binds.append(start)
        binds.append(end)
        var filter = "triggered_at >= $1 AND triggered_at < $2"
        if let userPublicID {
            binds.append(userPublicID)
            filter += " AND user_id = $3"
        }
        let counts = try await self.database.rows(
            PostgresQuery(unsafeSQL: "SELECT severity, status, count(*) FROM alerts WHERE \(filter) GROUP BY severity, status", binds: binds)
        )
        var bySeverity: [AlertSeverity: Int] = [:]
        var byStatus: [AlertStatus: Int] = [:]
        for row in counts {
            let (severity, status, count) = try row.decode((String, String, Int64).self)
            if let severity = AlertSeverity(rawValue: severity) { bySeverity[severity, default: 0] += Int(count) }
            if let status = AlertStatus(rawValue: status) { byStatus[status, default: 0] += Int(count) }
        }
        // Each device's count and the name of its latest alert in the range, in one pass over the range.
        let top = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT device_id, device_name, n FROM (
                        SELECT device_id, device_name, count(*) OVER (PARTITION BY device_id) AS n,
                            row_number() OVER (PARTITION BY device_id ORDER BY triggered_at DESC, id DESC) AS position
                        FROM alerts WHERE \(filter)
                    ) ranked WHERE position = 1 ORDER BY n DESC, device_id LIMIT 10
                    """,
                binds: binds
            )
        )
        let devices = try top.map { row in
            let (deviceID, deviceName, count) = try row.decode((Int64, String, Int64).self)
            return DeviceAlertCount(deviceID: deviceID, deviceName: deviceName, count: Int(count))
        }
        return AlertSummary(bySeverity: bySeverity, byStatus: byStatus, topDevices: devices)
    }

    public func statistics(resolvedSince: Int64) async throws -> AlertStatistics {
        let rows = try await self.database.rows(
            """
            SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'acknowledged'),
                count(*) FILTER (WHERE status = 'resolved')
            FROM alerts WHERE status <> 'resolved' OR resolved_at >= \(resolvedSince)
            """
        )
        guard let row = rows.first else { return AlertStatistics(active: 0, acknowledged: 0, resolvedLast24h: 0) }
        let (active, acknowledged, resolved) = try row.decode((Int64, Int64, Int64).self)
        return AlertStatistics(active: Int(active), acknowledged: Int(acknowledged), resolvedLast24h: Int(resolved))
    }
}
