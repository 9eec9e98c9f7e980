import IoTFlowCore
import MongoNIO

extension AlertMongoStore {
    public func summary(userPublicID: String?, start: Int64, end: Int64) async throws -> AlertSummary {
        var filter: BSONDocument = ["triggered_at": ["$gte": .int64(start), "$lt": .int64(end)]]
        if let userPublicID { filter["user_id"] = .string(userPublicID) }
        return try await MongoOutage.translating {
            var bySeverity: [AlertSeverity: Int] = [:]
            var byStatus: [AlertStatus: Int] = [:]
            for document in try await self.alerts.aggregate(MongoAlertSchema.countPipeline(filter: filter)).collect() {
                // `_id` is "<severity>|<status>" (see `countPipeline`).
                guard let key = document["_id"]?.stringValue, let count = document["n"]?.int64Value else { continue }
                let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                if let severity = AlertSeverity(rawValue: parts[0]) { bySeverity[severity, default: 0] += Int(count) }
                if let status = AlertStatus(rawValue: parts[1]) { byStatus[status, default: 0] += Int(count) }
            }
            let devices = try await self.alerts.aggregate(MongoAlertSchema.topDevicesPipeline(filter: filter)).collect().compactMap {
                document -> DeviceAlertCount? in
                guard let deviceID = document["_id"]?.int64Value, let count = document["n"]?.int64Value else { return nil }
                return DeviceAlertCount(deviceID: deviceID, deviceName: document["device_name"]?.stringValue ?? "", count: Int(count))
            }
            return AlertSummary(bySeverity: bySeverity, byStatus: byStatus, topDevices: devices)
        }
    }

    public func statistics(resolvedSince: Int64) async throws -> AlertStatistics {
        try await MongoOutage.translating {
            var counts: [AlertStatus: Int] = [:]
            for document in try await self.alerts.aggregate(MongoAlertSchema.statisticsPipeline(resolvedSince: resolvedSince)).collect() {
                guard let status = document["_id"]?.stringValue.flatMap(AlertStatus.init(rawValue:)), let count = document["n"]?.int64Value
                else { continue }
                counts[status] = Int(count)
            }
            return AlertStatistics(active: counts[.active] ?? 0, acknowledged: counts[.acknowledged] ?? 0, resolvedLast24h: counts[.resolved] ?? 0)
        }
    }
}
