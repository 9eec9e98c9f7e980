import Synchronization

/// Cancels the handlers of requests that outlive their deadline, with one sweeping task for all of them.
///
/// A timer per request (a sleeping child task racing the handler) cost a third of the no-op route's throughput in
/// `iotflow bench`: every request registered and cancelled a dispatch timer and created two tasks. Here a request
/// registers its handler's task in a table, and one task wakes every `tick` while requests are in flight and
/// cancels those past their deadline. A deadline is therefore kept to within one tick.
final class RequestDeadlines: Sendable {
    /// The running handler's task; only cancelled while registered, and a handler unregisters (under the same
    /// lock) before it finishes, so the reference never outlives its task.
    private struct Registered: @unchecked Sendable {
        let task: UnsafeCurrentTask
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        var running: [UInt64: Registered] = [:]
        /// Handlers cancelled for their deadline, until they unregister.
        var expired: Set<UInt64> = []
        var nextID: UInt64 = 0
        var sweeping = false
    }

    let timeout: Duration
    private let tick: Duration
    private let state = Mutex(State())

    init(timeout: Duration) {
        self.timeout = timeout
        self.tick = min(.milliseconds(100), timeout / 10)
    }

    /// Runs `body`, cancelling it once `timeout` has passed; reports whether that happened.
    ///
    /// Call it in a task of its own (a child task): cancellation reaches the whole current task.
    func run<T: Sendable>(_ body: () async throws -> T) async -> (result: Result<T, any Error>, expired: Bool) {
        guard let id = self.register() else {
            do { return (.success(try await body()), false) } catch { return (.failure(error), false) }
        }
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        let expired = self.state.withLock { state in
            state.running[id] = nil
            return state.expired.remove(id) != nil
        }
        return (result, expired)
    }

    private func register() -> UInt64? {
        guard let task = withUnsafeCurrentTask(body: { $0 }) else { return nil }
        let deadline = ContinuousClock.now + self.timeout
        let (id, startSweeper) = self.state.withLock { state -> (UInt64, Bool) in
            state.nextID &+= 1
            state.running[state.nextID] = Registered(task: task, deadline: deadline)
            defer { state.sweeping = true }
            return (state.nextID, !state.sweeping)
        }
        if startSweeper { Task { await self.sweep() } }
        return id
    }

    /// Cancels overdue handlers every tick until none is running.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: self.tick)
            let now = ContinuousClock.now
            let done = self.state.withLock { state -> Bool in
                for (id, registered) in state.running where registered.deadline <= now && !state.expired.contains(id) {
                    state.expired.insert(id)
                    registered.task.cancel()
                }
                if state.running.isEmpty { state.sweeping = false }
                return state.running.isEmpty
            }
            if done { return }
        }
    }
}
