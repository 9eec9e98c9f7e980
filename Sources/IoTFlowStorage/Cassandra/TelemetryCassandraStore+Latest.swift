import CassandraNIO
import IoTFlowCore

/// Latest values per device and key, one partition per device.
extension TelemetryCassandraStore {
    /// The stored latest values of each device, by key.
    func storedLatest(deviceIDs: Set<Int64>) async throws -> [Int64: [String: LatestValue]] {
        let devices = Array(deviceIDs)
        let values = try await BoundedConcurrency.map(devices) { deviceID in try await self.readLatest(deviceID) }
        var result: [Int64: [String: LatestValue]] = [:]
        for (deviceID, latest) in zip(devices, values) where !latest.isEmpty {
            result[deviceID] = Dictionary(latest.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        }
        return result
    }

    /// One device's latest values in key order.
    func readLatest(_ deviceID: Int64) async throws -> [LatestValue] {
        guard case .rows(let rows) = try await self.client.execute(self.cql.selectLatest, [.bigint(deviceID)], options: self.options) else {
            return []
        }
        return rows.rows.compactMap { row -> LatestValue? in
            guard let key = row[0].string, let timestamp = row[1].timestampMilliseconds, let value = CassandraRowValue.value(row, from: 2) else {
                return nil
            }
            return LatestValue(key: key, value: value, timestamp: timestamp)
        }
        .sorted { $0.key < $1.key }
    }

    public func latest(deviceID: Int64) async throws -> [LatestValue] {
        try await CassandraOutage.translating { try await self.readLatest(deviceID) }
    }

    public func latest(deviceIDs: [Int64]) async throws -> [Int64: [LatestValue]] {
        try await CassandraOutage.translating {
            let devices = Array(Set(deviceIDs))
            let values = try await BoundedConcurrency.map(devices) { deviceID in try await self.readLatest(deviceID) }
            var result: [Int64: [LatestValue]] = [:]
            for (deviceID, latest) in zip(devices, values) where !latest.isEmpty { result[deviceID] = latest }
            return result
        }
    }

    /// Reads every listed device's latest partition (one small partition each, in parallel) and pages in memory:
    /// Cassandra cannot order devices by their newest value.
    public func latestSummaries(
        deviceIDs: [Int64], since: Int64, limit: Int, offset: Int
    ) async throws -> (
        summaries: [DeviceLatest], total: Int
    ) {
        let latest = try await self.latest(deviceIDs: deviceIDs)
        let qualifying = latest.compactMap { deviceID, values -> DeviceLatest? in
            guard let newest = values.map(\.timestamp).max(), newest >= since else { return nil }
            return DeviceLatest(deviceID: deviceID, newest: newest, values: values)
        }
        .sorted { ($0.newest, $0.deviceID) > ($1.newest, $1.deviceID) }
        let page = qualifying.dropFirst(max(0, offset)).prefix(max(0, limit))
        return (Array(page), qualifying.count)
    }

    public func keyNames(deviceID: Int64) async throws -> Set<String> {
        Set(try await self.latest(deviceID: deviceID).map(\.key))
    }
}
