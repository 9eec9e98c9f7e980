import IoTFlowCore

/// Pings every store and summarises their state for `/health`, `/status` and `/telemetry/status`.
struct StoreHealthChecker: Sendable {
    /// A store to check, with the names shown in the report.
    struct Probe: Sendable {
        var role: String
        var backend: String
        var primary: Bool
        var ping: @Sendable () async throws -> Double
    }

    let probes: [Probe]

    /// The same checker with the probe of `role` replaced.
    func replacing(role: String, with probe: Probe) -> StoreHealthChecker {
        StoreHealthChecker(probes: self.probes.map { $0.role == role ? probe : $0 })
    }

    struct Report: Sendable {
        /// healthy, degraded (an auxiliary store is down) or unhealthy (a primary store is down).
        var status: String
        var stores: JSONValue
        var primaryDown: Bool
    }

    /// One store's ping: its role and round-trip time, nil when it did not answer.
    struct Measurement: Sendable {
        var role: String
        var latencyMilliseconds: Double?
    }

    /// Pings every store concurrently.
    func measure() async -> [Measurement] {
        let results = await withTaskGroup(of: (Int, Double?).self) { group in
            for (index, probe) in self.probes.enumerated() {
                group.addTask { (index, try? await probe.ping()) }
            }
            var results = [Double?](repeating: nil, count: self.probes.count)
            for await (index, latency) in group { results[index] = latency }
            return results
        }
        return zip(self.probes, results).map { Measurement(role: $0.role, latencyMilliseconds: $1) }
    }

    func check() async -> Report {
        let results = await self.measure().map(\.latencyMilliseconds)
        var stores = JSONObject()
        var primaryDown = false
        var anyDown = false
        for (probe, latency) in zip(self.probes, results) {
            let rounded = latency.map { ($0 * 1000).rounded() / 1000 }
            stores[probe.role] = [
                "backend": .string(probe.backend), "role": .string(probe.primary ? "primary" : "auxiliary"), "available": .bool(latency != nil),
                "latency_ms": rounded.map { .double($0) } ?? .null,
            ]
            if latency == nil {
                anyDown = true
                if probe.primary { primaryDown = true }
            }
        }
        let status = primaryDown ? "unhealthy" : (anyDown ? "degraded" : "healthy")
        return Report(status: status, stores: .object(stores), primaryDown: primaryDown)
    }
}
