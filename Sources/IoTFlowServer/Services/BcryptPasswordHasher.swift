import HummingbirdBcrypt
import IoTFlowCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// bcrypt on a thread pool of its own. A hash takes tens of milliseconds of CPU: on the shared blocking pool
/// (where every SQLite statement runs) a burst of logins would queue ahead of telemetry writes. Here the threads
/// are few (`IOTFLOW_BCRYPT_THREADS`) and the queue is bounded: past it, logins get 503 instead of waiting
/// behind an ever longer line. Its threads also run at a lower scheduling priority (nice 10), so that where
/// cores are few a burst of logins yields to the request path.
final class BcryptPasswordHasher: PasswordHasher, Service {
    let cost: UInt8
    let decoyHash: String
    private let pool: NIOThreadPool
    private let maxWaiting: Int
    private let inFlight = Atomic<Int>(0)

    /// A hasher with `threads` threads and room for `maxWaiting` hashes in progress or queued.
    init(cost: Int, threads: Int, maxWaiting: Int = 256) {
        self.cost = UInt8(cost)
        self.decoyHash = Bcrypt.hash(Secrets.newToken(), cost: UInt8(cost))
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        self.maxWaiting = maxWaiting
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
            return work()
        }
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
