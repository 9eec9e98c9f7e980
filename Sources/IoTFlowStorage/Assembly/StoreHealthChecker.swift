import IoTFlowCore

/// Pings every store and summarises their state for `/health`, `/status` and `/telemetry/status`.
public struct StoreHealthChecker: Sendable {
    /// A store to check, with the names shown in the report.
    public struct Probe: Sendable {
        /// registry, telemetry, cache or events.
        public var role: String
        /// sqlite, postgresql, memory, redis, …
        public var backend: String
        /// Whether requests fail without it (registry, telemetry) or only degrade (cache, events).
        public var primary: Bool
        /// Round-trip time in ms; throws when the store does not answer.
        public var ping: @Sendable () async throws -> Double

        /// Creates a probe.
        public init(role: String, backend: String, primary: Bool, ping: @escaping @Sendable () async throws -> Double) {
            self.role = role
            self.backend = backend
            self.primary = primary
            self.ping = ping
        }
    }

    /// The overall state: healthy, degraded (an auxiliary store is down) or unhealthy (a primary store is down).
    public enum Status: String, Sendable, Codable {
        case healthy, degraded, unhealthy
    }

    /// One store as reported.
    public struct StoreState: Sendable, Equatable {
        /// The role the store plays.
        public var role: String
        /// Its backend.
        public var backend: String
        /// Whether it is a primary store.
        public var primary: Bool
        /// Round-trip time of the ping in ms, rounded to µs; nil when it did not answer.
        public var latencyMilliseconds: Double?

        /// Whether it answered.
        public var available: Bool { self.latencyMilliseconds != nil }
    }

    /// The result of one check.
    public struct Report: Sendable {
        /// Overall state.
        public var status: Status
        /// Every store, in probe order.
        public var stores: [StoreState]
        /// Whether a primary store is down.
        public var primaryDown: Bool { self.status == .unhealthy }
    }

    let probes: [Probe]

    /// Creates a checker over these probes.
    public init(probes: [Probe]) {
        self.probes = probes
    }

    /// The same checker with the probe of `role` replaced.
    public func replacing(role: String, with probe: Probe) -> StoreHealthChecker {
        StoreHealthChecker(probes: self.probes.map { $0.role == role ? probe : $0 })
    }

    /// Pings every store concurrently.
    public func check() async -> Report {
        let results = await withTaskGroup(of: (Int, Double?).self) { group in
            for (index, probe) in self.probes.enumerated() {
                group.addTask { (index, try? await probe.ping()) }
            }
            var results = [Double?](repeating: nil, count: self.probes.count)
            for await (index, latency) in group { results[index] = latency }
            return results
        }
        let stores = zip(self.probes, results).map { probe, latency in
            StoreState(
                role: probe.role, backend: probe.backend, primary: probe.primary, latencyMilliseconds: latency.map { ($0 * 1000).rounded() / 1000 }
            )
        }
        let primaryDown = stores.contains { $0.primary && !$0.available }
        let anyDown = stores.contains { !$0.available }
        return Report(status: primaryDown ? .unhealthy : (anyDown ? .degraded : .healthy), stores: stores)
    }
}
