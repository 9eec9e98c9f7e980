import IoTFlowCore
import Logging
import Metrics
import ServiceLifecycle

/// Removes raw values older than `TELEMETRY_RETENTION_DAYS` and rollups older than `ROLLUP_RETENTION_DAYS`, at start
/// and then every interval, in chunks of one short transaction each so writes keep flowing. Reports each sweep in
/// `/metrics` and, when it removed anything, as a `telemetry.expired` event.
struct RetentionSweeper: Service {
    let settings: RetentionSettings
    let store: any TelemetryStore
    let events: any EventRecorder
    let clock: any WallClock
    let logger: Logger

    static let valuesRemoved = Counter(label: "iotflow_retention_values_removed_total")
    static let rollupsRemoved = Counter(label: "iotflow_retention_rollups_removed_total")
    static let sweeps = Counter(label: "iotflow_retention_sweeps_total")
    static let failures = Counter(label: "iotflow_retention_sweep_failures_total")
    static let duration = Metrics.Timer(label: "iotflow_retention_sweep_duration_seconds", preferredDisplayUnit: .seconds)

    /// What one sweep removed.
    struct Outcome: Equatable {
        var values = 0
        var rollups = 0
    }

    func run() async throws {
        // A service that returns ends the whole service group, so a disabled sweeper waits for the shutdown.
        guard self.settings.isEnabled else {
            try? await gracefulShutdown()
            return
        }
        // A cancelled task (a service group torn down without a graceful shutdown) must stop too.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                _ = try await self.sweep()
            } catch is CancellationError {
                return
            } catch {
                Self.failures.increment()
                self.logger.warning("retention sweep failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(self.settings.intervalSeconds)) }
        }
    }

    /// One sweep: every expired value, then every expired rollup.
    func sweep() async throws -> Outcome {
        let start = ContinuousClock.now
        let now = self.clock.nowMilliseconds()
        var outcome = Outcome()
        var details = JSONObject()
        if self.settings.telemetryDays > 0 {
            let cutoff = now - Int64(self.settings.telemetryDays) * 86_400_000
            outcome.values = try await self.drain { try await self.store.expireValues(before: cutoff, limit: $0) }
            Self.valuesRemoved.increment(by: outcome.values)
            details["values_removed"] = .int(Int64(outcome.values))
            details["values_before"] = .string(ISO8601.format(milliseconds: cutoff))
        }
        if self.settings.rollupDays > 0 {
            let cutoff = now - Int64(self.settings.rollupDays) * 86_400_000
            outcome.rollups = try await self.drain { try await self.store.expireRollups(before: cutoff, limit: $0) }
            Self.rollupsRemoved.increment(by: outcome.rollups)
            details["rollups_removed"] = .int(Int64(outcome.rollups))
            details["rollups_before"] = .string(ISO8601.format(milliseconds: cutoff))
        }
        Self.sweeps.increment()
        Self.duration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        if outcome.values > 0 || outcome.rollups > 0 {
            self.events.record(Event(type: EventType.telemetryExpired, timestamp: self.clock.nowMilliseconds(), userPublicID: nil, details: details))
            self.logger.info("retention sweep", metadata: ["values_removed": "\(outcome.values)", "rollups_removed": "\(outcome.rollups)"])
        }
        return outcome
    }

    /// Calls `chunk` with the chunk size until it removes less than that; answers the total.
    private func drain(_ chunk: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while true {
            // Stops between chunks at shutdown: a first sweep of a large backlog can take minutes.
            if Task.isShuttingDownGracefully { throw CancellationError() }
            try Task.checkCancellation()
            let removed = try await chunk(self.settings.chunkSize)
            total += removed
            if removed < self.settings.chunkSize { return total }
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
