import IoTFlowCore
import Logging
import ServiceLifecycle
import Synchronization

/// Group commit for telemetry: requests that arrive while a transaction is being committed wait
/// together and are committed in the next transaction, so one fsync serves many requests. Each
/// request returns only after the transaction holding its points committed.
final class IngestBatcher: TelemetryWriter, Service {
    private struct Pending {
        var write: TelemetryWrite
        var waiter: Waiter
    }

    private struct State {
        var queue: [Pending] = []
        var accepting = true
    }

    /// Told of every committed batch, after its requests were answered (alert evaluation, live streams).
    typealias CommitObserver = @Sendable ([TelemetryWrite]) -> Void

    private let store: any TelemetryStore
    private let devices: any DeviceStore
    private let cache: any Cache
    private let logger: Logger
    private let maxBatchPoints: Int
    /// Streams committed points to WebSocket subscribers (and other instances); nil in tests of the batcher alone.
    private let live: LiveHub?
    private let state = Mutex(State())
    private let observers = Mutex<[CommitObserver]>([])
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(store: any TelemetryStore, devices: any DeviceStore, cache: any Cache, maxBatchPoints: Int, logger: Logger, live: LiveHub? = nil) {
        self.cache = cache
        self.live = live
        self.store = store
        self.devices = devices
        self.maxBatchPoints = maxBatchPoints
        self.logger = logger
        (self.wakeups, self.wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds an observer of committed batches; it must return at once (queue the work, never wait on it).
    func observeCommits(_ observer: @escaping CommitObserver) {
        self.observers.withLock { $0.append(observer) }
    }

    func submit(_ write: TelemetryWrite) async throws {
        let waiter = Waiter()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                waiter.attach(continuation)
                let accepted = self.state.withLock { state -> Bool in
                    guard state.accepting else { return false }
                    state.queue.append(Pending(write: write, waiter: waiter))
                    return true
                }
                if accepted {
                    self.wake.yield()
                } else {
                    waiter.resume(throwing: IoTFlowError.unavailable("The server is shutting down; retry shortly."))
                }
            }
        } onCancel: {
            // A request that gives up (its deadline passed) stops waiting; the write itself may still be
            // committed with its batch, which is why the client sees 503 and not 201.
            waiter.resume(throwing: CancellationError())
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in self.wakeups {
                await self.drain()
            }
        } onGracefulShutdown: {
            self.wake.finish()
        }
        // Stop taking new writes, then commit everything already accepted before returning.
        self.state.withLock { $0.accepting = false }
        await self.drain()
    }

    private func drain() async {
        while let batch = self.nextBatch() {
            await self.commit(batch)
        }
    }

    /// Takes queued writes up to the point budget (always at least one).
    private func nextBatch() -> [Pending]? {
        self.state.withLock { state -> [Pending]? in
            guard !state.queue.isEmpty else { return nil }
            var points = 0
            var count = 0
            for pending in state.queue {
                let size = pending.write.points.reduce(0) { $0 + $1.values.count }
                if count > 0 && points + size > self.maxBatchPoints { break }
                points += size
                count += 1
            }
            let batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            return batch
        }
    }

    private func commit(_ batch: [Pending]) async {
        do {
            let start = ContinuousClock.now
            var lastSeen: [Int64: Int64] = [:]
            let now = SystemWallClock().nowMilliseconds()
            for pending in batch { lastSeen[pending.write.deviceID] = now }
            let recordedSeen = try await self.store.write(batch.map(\.write), lastSeen: lastSeen)
            let points = batch.reduce(0) { $0 + $1.write.points.count }
            AppMetrics.commitDuration.recordNanoseconds(AppMetrics.nanoseconds(since: start))
            AppMetrics.batchPoints.record(points)
            AppMetrics.ingestedPoints.increment(by: points)
            if !recordedSeen { await self.markSeen(lastSeen) }
            for pending in batch { pending.waiter.resume() }
            let writes = batch.map(\.write)
            // Durable and acknowledged: now streams may show it. Only appends to subscriber queues, never waits.
            self.live?.publish(writes)
            for observer in self.observers.withLock({ $0 }) { observer(writes) }
            // After the answers: the online set is best effort and must not delay them.
            await self.cache.markOnline(lastSeen)
        } catch  where batch.count > 1 {
            // One write must not sink the others: retry each on its own.
            self.logger.warning("batched telemetry commit failed; retrying writes one by one", metadata: ["error": "\(error)"])
            for pending in batch { await self.commit([pending]) }
        } catch {
            self.logger.error("telemetry commit failed", metadata: ["error": "\(error)"])
            batch[0].waiter.resume(throwing: IoTFlowError.unavailable("The telemetry store could not commit the data; retry."))
        }
    }

    private func markSeen(_ lastSeen: [Int64: Int64]) async {
        do {
            try await self.devices.markSeen(lastSeen)
        } catch {
            // Liveness is best effort; the data itself is committed.
            self.logger.warning("could not record device last_seen", metadata: ["error": "\(error)"])
        }
    }
}

/// Resumes a request's continuation exactly once: by the commit, or earlier by the request's cancellation
/// (which may come before the continuation exists).
private final class Waiter: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Void, any Error>?)
        case finished(Result<Void, any Error>?)
    }

    private let state = Mutex(State.waiting(nil))

    func attach(_ continuation: CheckedContinuation<Void, any Error>) {
        let early = self.state.withLock { state -> Result<Void, any Error>? in
            switch state {
            case .waiting:
                state = .waiting(continuation)
                return nil
            case .finished(let result):
                state = .finished(nil)
                return result
            }
        }
        if let early { continuation.resume(with: early) }
    }

    func resume() {
        self.finish(.success(()))
    }

    func resume(throwing error: any Error) {
        self.finish(.failure(error))
    }

    private func finish(_ result: Result<Void, any Error>) {
        let continuation = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
            switch state {
            case .waiting(let continuation?):
                state = .finished(nil)
                return continuation
            case .waiting(nil):
                // Finished before attach(): attach() resumes with this result.
                state = .finished(result)
                return nil
            case .finished:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}
