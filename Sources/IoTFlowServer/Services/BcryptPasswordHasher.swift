import HummingbirdBcrypt
import IoTFlowCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// bcrypt on a thread pool of its own. A hash takes tens of milliseconds of CPU: on the shared blocking pool
/// (where every SQLite statement runs) a burst of logins would queue ahead of telemetry writes. Here the threads
/// are few (`IOTFLOW_BCRYPT_THREADS`) and the queue is bounded: past it, logins get 503 instead of waiting
/// behind an ever longer line. Its threads also run at a lower scheduling priority (nice 10), so that where
/// cores are few a burst of logins yields to the request path. Priority alone was not enough on two cores: a
/// sustained burst still took a whole core (BENCHMARKS.md), so the pool also keeps to a CPU budget
/// (`IOTFLOW_BCRYPT_CPU_PERCENT` of one core on average): past it, the next hash waits.
final class BcryptPasswordHasher: PasswordHasher, Service {
    let cost: UInt8
    let decoyHash: String
    private let pool: NIOThreadPool
    private let maxWaiting: Int
    private let inFlight = Atomic<Int>(0)
    private let budget: Mutex<CPUBudget?>
    private let limited: Bool
    /// Monotonic seconds for the budget's refills; injectable so tests need not race the real clock.
    private let now: @Sendable () -> Double

    /// A hasher with `threads` threads and room for `maxWaiting` hashes in progress or queued, whose hashes use
    /// on average at most `cpuPercent` percent of one core (0: no limit), with up to `burst` seconds of CPU saved
    /// up for sign-ins that arrive after a quiet spell.
    init(
        cost: Int, threads: Int, cpuPercent: Int = 0, burst: Double = 1, maxWaiting: Int = 256,
        now: @escaping @Sendable () -> Double = BcryptPasswordHasher.monotonicSeconds
    ) {
        self.now = now
        self.cost = UInt8(cost)
        self.decoyHash = Bcrypt.hash(Secrets.newToken(), cost: UInt8(cost))
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        self.maxWaiting = maxWaiting
        self.budget = Mutex(cpuPercent > 0 ? CPUBudget(share: Double(cpuPercent) / 100, burst: burst, now: now()) : nil)
        self.limited = cpuPercent > 0
        // Started here rather than in run(), so no request can arrive before the pool accepts work.
        self.pool.start()
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await self.run { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await self.run { Bcrypt.verify(password, hash: hash) }
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        guard self.inFlight.add(1, ordering: .relaxed).newValue <= self.maxWaiting else {
            self.inFlight.subtract(1, ordering: .relaxed)
            throw IoTFlowError.unavailable("Too many sign-ins are being checked right now; retry in a moment.")
        }
        defer { self.inFlight.subtract(1, ordering: .relaxed) }
        return try await self.pool.runIfActive {
            Self.lowerThreadPriority()
            guard self.limited else { return work() }
            // The wait happens on the pool's own thread, so queued hashes stay queued behind it in order.
            let delay = self.budget.withLock { $0?.delay(at: self.now()) ?? 0 }
            if delay > 0 { Self.sleep(seconds: delay) }
            let started = Self.threadCPUSeconds() ?? self.now()
            let result = work()
            let used = (Self.threadCPUSeconds() ?? self.now()) - started
            self.budget.withLock { $0?.spend(used, at: self.now()) }
            return result
        }
    }

    /// Seconds the next hash would wait for the budget now; for tests.
    func budgetDelay() -> Double {
        self.budget.withLock { $0?.delay(at: self.now()) ?? 0 }
    }

    /// Seconds on the continuous clock since an arbitrary fixed point.
    static let monotonicSeconds: @Sendable () -> Double = {
        let origin = ContinuousClock.now
        return {
            let elapsed = (ContinuousClock.now - origin).components
            return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        }
    }()

    /// CPU time of the calling thread: what a hash costs, not counting the time it was preempted.
    private static func threadCPUSeconds() -> Double? {
        #if os(Linux)
        var now = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0 else { return nil }
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
        #else
        return nil
        #endif
    }

    private static func sleep(seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Lowers the calling thread's priority to nice 10 (Linux keeps nice values per thread; `who` 0 is the calling
    /// thread). Only the pool's own threads call this, and they never need their priority back. The idle
    /// scheduling class was tried as well: more writes got through during a login burst, but it can starve
    /// sign-ins on a saturated machine, and write p99 was no better (BENCHMARKS.md).
    private static func lowerThreadPriority() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }

    /// Keeps the pool until the server shuts down, then stops its threads.
    func run() async throws {
        try? await gracefulShutdown()
        try await self.pool.shutdownGracefully()
    }
}
