import IoTFlowCore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the alert evaluator off the request path: the ingest batcher hands it every committed batch, which only
/// appends to a bounded queue. When the queue is full, the points are not kept; their devices and time span are,
/// and the evaluator later reads those points back from the telemetry store (it falls behind, then catches up).
/// Also runs the offline check on a timer, on one instance at a time (a lease in the registry).
final class AlertEvaluationService: Service, Sendable {
    /// What `/metrics` shows of the queue.
    struct Statistics: Sendable, Equatable {
        /// Points waiting.
        var queuedPoints: Int
        /// Devices whose points overflowed and will be read back.
        var backlogDevices: Int
        /// Age of the oldest waiting work, seconds (0 when idle).
        var lagSeconds: Double
    }

    private struct State {
        var queue: [TelemetryWrite] = []
        var queuedPoints = 0
        /// Device → first and last timestamp of points that did not fit.
        var backlog: [Int64: (start: Int64, end: Int64)] = [:]
        /// When the oldest work still queued arrived.
        var oldestQueued: ContinuousClock.Instant?
        /// When the oldest work being evaluated now arrived.
        var oldestInFlight: ContinuousClock.Instant?
        var wakeUp: CheckedContinuation<Void, Never>?
    }

    private let evaluator: AlertEvaluator
    private let deps: Dependencies
    private let capacity: Int
    private let offlineInterval: Duration
    private let holder = "instance-\(UInt64.random(in: 0...UInt64.max))"
    private let logger: Logger
    private let state = Mutex(State())

    /// Creates the service; `capacity` bounds the points waiting, `offlineInterval` is how often offline rules run.
    init(deps: Dependencies, capacity: Int = 100_000, offlineInterval: Duration = .seconds(10), logger: Logger) {
        self.deps = deps
        self.evaluator = AlertEvaluator(deps)
        self.capacity = capacity
        self.offlineInterval = offlineInterval
        self.logger = logger
    }

    /// Queues committed writes; never waits.
    func enqueue(_ writes: [TelemetryWrite]) {
        let points = writes.reduce(0) { $0 + $1.points.count }
        guard points > 0 else { return }
        let continuation = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.oldestQueued == nil { state.oldestQueued = .now }
            if state.queuedPoints + points <= self.capacity {
                state.queue += writes
                state.queuedPoints += points
            } else {
                for write in writes {
                    let timestamps = write.points.map(\.timestamp)
                    guard let first = timestamps.min(), let last = timestamps.max() else { continue }
                    let known = state.backlog[write.deviceID]
                    state.backlog[write.deviceID] = (min(known?.start ?? first, first), max(known?.end ?? last, last))
                }
            }
            defer { state.wakeUp = nil }
            return state.wakeUp
        }
        continuation?.resume()
    }

    /// The queue as `/metrics` shows it.
    func statistics() -> Statistics {
        self.state.withLock { state in
            let oldest = [state.oldestInFlight, state.oldestQueued].compactMap { $0 }.min()
            let lag = oldest.map { ContinuousClock.now - $0 } ?? .zero
            let (seconds, attoseconds) = lag.components
            return Statistics(
                queuedPoints: state.queuedPoints, backlogDevices: state.backlog.count, lagSeconds: Double(seconds) + Double(attoseconds) / 1e18)
        }
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.runOfflineChecks() }
            group.addTask { await self.flushValueTimesEverySecond() }
            await self.evaluateUntilShutdown()
            group.cancelAll()
        }
    }

    private func evaluateUntilShutdown() async {
        // Cancelled (the group torn down, e.g. when the server cannot bind) as well as shut down gracefully.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let (writes, backlog) = self.take()
            if writes.isEmpty && backlog.isEmpty {
                await self.waitForWork()
                continue
            }
            await self.evaluate(writes)
            for (deviceID, span) in backlog { await self.catchUp(deviceID: deviceID, start: span.start, end: span.end) }
            self.state.withLock { $0.oldestInFlight = nil }
        }
        try? await self.evaluator.flushValueTimes()
        // Work still queued at shutdown is evaluated by nobody: the points are stored, and the next points of those
        // devices or the offline check move their alerts.
    }

    private func take() -> ([TelemetryWrite], [Int64: (start: Int64, end: Int64)]) {
        self.state.withLock { state in
            let taken = (state.queue, state.backlog)
            state.queue.removeAll(keepingCapacity: true)
            state.queuedPoints = 0
            state.backlog.removeAll()
            state.oldestInFlight = state.oldestQueued
            state.oldestQueued = nil
            return taken
        }
    }

    private func waitForWork() async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state -> Bool in
                    // Checked under the lock the handler below takes: a cancellation before this point is seen here,
                    // one after it finds the continuation stored.
                    if !state.queue.isEmpty || !state.backlog.isEmpty || Task.isShuttingDownGracefully || Task.isCancelled { return true }
                    state.wakeUp = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancelOrGracefulShutdown: {
            let continuation = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.wakeUp = nil }
                return state.wakeUp
            }
            continuation?.resume()
        }
    }

    private func evaluate(_ writes: [TelemetryWrite]) async {
        guard !writes.isEmpty else { return }
        do {
            try await self.evaluator.evaluate(writes)
        } catch {
            // The points are stored; alerts of these devices move again with their next points.
            self.logger.warning("alert evaluation failed", metadata: ["error": "\(error)", "writes": "\(writes.count)"])
        }
    }

    /// Reads back the points that did not fit in the queue, oldest first, and evaluates them.
    private func catchUp(deviceID: Int64, start: Int64, end: Int64) async {
        var resume: Int64?
        while true {
            let query = HistoryQuery(
                deviceID: deviceID, start: start, end: end + 1, keys: [], limit: 1000, descending: false, includeMetadata: false, resumeAfter: resume)
            guard let entries = try? await self.deps.telemetry.history(query), !entries.isEmpty else { return }
            let points = entries.map { TelemetryPoint(timestamp: $0.timestamp, values: $0.measurements) }
            await self.evaluate([TelemetryWrite(deviceID: deviceID, points: points)])
            guard entries.count == query.limit, let last = entries.last?.timestamp else { return }
            resume = last
        }
    }

    private func flushValueTimesEverySecond() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            do {
                try await self.evaluator.flushValueTimes()
            } catch {
                self.logger.warning("could not store the latest evaluated times of open alerts; will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    private func runOfflineChecks() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.offlineInterval)
            guard !Task.isCancelled else { return }
            let now = self.deps.clock.nowMilliseconds()
            do {
                let lease = self.offlineInterval * 3
                let milliseconds = lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000
                guard try await self.deps.alertRules.acquireLease("offline-alerts", holder: self.holder, now: now, milliseconds: milliseconds) else {
                    continue
                }
                try await OfflineAlertCheck(self.deps).run(now: now)
            } catch {
                self.logger.warning("offline alert check failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}
