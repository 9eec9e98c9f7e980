import Foundation
import IoTFlowCore
import IoTFlowServer
import Synchronization

/// The `retention-sweep` scenario, in process on a throwaway store like `store-insert-*`: single-point writes from
/// concurrent writers, first alone, then while a sweep removes `expiredPoints` expired values in the retention
/// sweeper's chunks. What it shows is how much a sweep delays writes (the bound: writes never stall).
struct RetentionSweepBench: Sendable {
    let writers: Int
    let warmup: Duration
    let duration: Duration
    /// Expired values loaded before the sweep.
    let expiredPoints: Int
    /// Values per sweep chunk (the sweeper's default).
    let chunk: Int = RetentionSettings().chunkSize

    func run(_ store: any TelemetryStore, firstTimestamp: Int64, backend: String) async throws -> [ScenarioResult] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let expiredStart = now - 400 * 86_400_000
        Bench.progress("retention-sweep: loading \(self.expiredPoints) expired values (400 days old) into the store")
        for first in stride(from: 0, to: self.expiredPoints, by: 10_000) {
            let points = (first..<min(first + 10_000, self.expiredPoints)).map {
                TelemetryPoint(timestamp: expiredStart + Int64($0) * 10, values: [("temperature", .number(Double($0 % 100)))])
            }
            try await store.write([TelemetryWrite(deviceID: 2_000_000 + Int64(first / 100_000), points: points)])
        }
        Bench.progress("retention-sweep: writes alone, \(self.writers) writers")
        let alone = try await StoreInsertBaseline.measure(
            store: store, batchSize: 1, writers: self.writers, warmup: self.warmup, duration: self.duration, firstTimestamp: firstTimestamp)

        Bench.progress("retention-sweep: writes while sweeping")
        let (during, removed, sweepSeconds) = try await self.measureDuringSweep(
            store, cutoff: now - 365 * 86_400_000, firstTimestamp: firstTimestamp + 1_000_000_000)
        Bench.progress(
            "retention-sweep: removed \(removed) values in \(BenchReport.format(sweepSeconds, 2)) s; write p99 \(BenchReport.format(alone.latency.p99, 2)) ms alone, "
                + "\(BenchReport.format(during.latency.p99, 2)) ms during the sweep")
        let sweepNote = "sweep of \(removed) expired values in chunks of \(self.chunk), \(BenchReport.format(sweepSeconds, 2)) s"
        return [
            Self.result("retention-sweep-baseline", "single-point TelemetryStore.write, no sweep (\(backend))", alone, writers: self.writers),
            Self.result("retention-sweep", "single-point TelemetryStore.write during a \(sweepNote) (\(backend))", during, writers: self.writers),
        ]
    }

    private static func result(_ name: String, _ summary: String, _ outcome: StoreInsertOutcome, writers: Int) -> ScenarioResult {
        ScenarioResult(
            name: name, summary: summary, kind: "store", connections: writers, seconds: outcome.seconds, requests: outcome.batches,
            requestsPerSecond: outcome.batchesPerSecond, pointsPerRequest: 1, pointsPerSecond: outcome.pointsPerSecond, latencyMs: outcome.latency)
    }

    /// Single-point writes from `writers` tasks for exactly as long as a sweep of everything before `cutoff` runs.
    private func measureDuringSweep(
        _ store: any TelemetryStore, cutoff: Int64, firstTimestamp: Int64
    ) async throws -> (StoreInsertOutcome, removed: Int, seconds: Double) {
        let clock = ContinuousClock()
        let flag = SweepFlag()
        let started = clock.now
        let (latencies, removed) = try await withThrowingTaskGroup(of: ([UInt64], Int).self) { group in
            group.addTask {
                defer { flag.done.store(true, ordering: .releasing) }
                var removed = 0
                while true {
                    let count = try await store.expireValues(before: cutoff, limit: self.chunk)
                    removed += count
                    if count < self.chunk { return ([], removed) }
                }
            }
            for writer in 0..<self.writers {
                group.addTask {
                    var latencies: [UInt64] = []
                    var timestamp = firstTimestamp
                    while !flag.done.load(ordering: .acquiring) {
                        let point = TelemetryPoint(timestamp: timestamp, values: [("temperature", .number(21.5)), ("humidity", .number(40))])
                        timestamp += 1
                        let begin = clock.now
                        try await store.write([TelemetryWrite(deviceID: Int64(1_000_000 + writer), points: [point])])
                        let elapsed = clock.now - begin
                        latencies.append(UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000))
                    }
                    return (latencies, 0)
                }
            }
            var all: [UInt64] = []
            var removed = 0
            for try await (latencies, count) in group {
                all += latencies
                removed += count
            }
            return (all, removed)
        }
        let seconds = (clock.now - started).seconds
        let outcome = StoreInsertOutcome(batches: latencies.count, batchSize: 1, seconds: seconds, latency: LatencySummary(nanoseconds: latencies))
        return (outcome, removed, seconds)
    }
}

/// Set when the sweep is over, read by the writers.
private final class SweepFlag: Sendable {
    let done = Atomic(false)
}
