import IoTFlowCore

/// A point at `timestamp` holding `values` in order.
func point(_ timestamp: Int64, _ values: [(key: String, value: TelemetryValue)], metadata: String? = nil) -> TelemetryPoint {
    TelemetryPoint(timestamp: timestamp, values: values, metadata: metadata)
}

/// A history entry with measurements in key order, as stores return them.
func entry(_ timestamp: Int64, _ measurements: [(key: String, value: TelemetryValue)], metadata: String? = nil) -> TelemetryEntry {
    TelemetryEntry(timestamp: timestamp, measurements: measurements.sorted { $0.key < $1.key }, metadata: metadata)
}

extension StoreFixture {
    /// History of one device with wide defaults: everything, oldest first.
    func history(
        _ deviceID: Int64, start: Int64 = 0, end: Int64 = 10_000_000_000_000, keys: [String] = [], limit: Int = 10_000,
        descending: Bool = false, includeMetadata: Bool = false, resumeAfter: Int64? = nil
    ) async throws -> [TelemetryEntry] {
        try await self.telemetry.history(
            HistoryQuery(
                deviceID: deviceID, start: start, end: end, keys: keys, limit: limit, descending: descending,
                includeMetadata: includeMetadata, resumeAfter: resumeAfter
            )
        )
    }

    /// Latest values of one device in key order.
    func latestByKey(_ deviceID: Int64) async throws -> [LatestValue] {
        try await self.telemetry.latest(deviceID: deviceID).sorted { $0.key < $1.key }
    }

    /// A user with `count` devices, for telemetry tests that need real device ids.
    func makeDevices(_ count: Int, owner name: String = "owner") async throws -> [Device] {
        let owner = try await self.makeUser(name)
        var devices: [Device] = []
        for index in 0..<count { devices.append(try await self.makeDevice(owner, "device-\(index)")) }
        return devices
    }
}
