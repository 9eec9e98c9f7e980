import Dispatch
import NIOCore
import NIOPosix
import Testing

@testable import IoTFlowServer

/// bcrypt has threads of its own: a burst of logins must not queue ahead of telemetry writes, whose SQLite
/// statements run on NIO's shared blocking pool (and the other way round).
@Suite("bcrypt pool")
struct PasswordPoolTests {
    @Test("passwords are hashed and checked while every thread of the shared blocking pool is busy")
    func independentOfTheSharedPool() async throws {
        let hasher = BcryptPasswordHasher(cost: 4, threads: 1)
        let threads = NIOSingletons.blockingPoolThreadCountSuggestion
        let gate = DispatchSemaphore(value: 0)
        let started = SharedBox(0)
        // Occupy every thread of the shared pool (and queue more work behind them) until the gate opens.
        let blockers = (0..<threads + 4).map { _ in
            Task {
                try await NIOThreadPool.singleton.runIfActive {
                    started.value.withLock { $0 += 1 }
                    gate.wait()
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while started.value.withLock({ $0 }) < threads, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(started.value.withLock { $0 } == threads, "every shared thread is blocked")

        // Were bcrypt on the shared pool, this would wait behind the blocked threads until the gate opens, which
        // happens only after a minute: then the hash completes, but too late.
        let checked = try await withThrowingTaskGroup(of: Bool?.self) { group in
            group.addTask { try await hasher.verify("password123", hash: try await hasher.hash("password123")) }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                for _ in blockers { gate.signal() }
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        for _ in blockers { gate.signal() }
        for blocker in blockers { try await blocker.value }
        #expect(checked == true, "the hash was checked while the shared pool was blocked")
    }

    @Test("the pool charges each hash to its CPU budget, and without a budget nothing waits")
    func hashesAreCharged() async throws {
        // A clock that stands still: however slow the machine, no refill pays the debt before it is looked at.
        let limited = BcryptPasswordHasher(cost: 4, threads: 1, cpuPercent: 1, burst: 0, now: { 0 })
        #expect(limited.budgetDelay() == 0, "nothing spent yet")
        _ = try await limited.hash("password123")
        // One percent of a core: the hash's own CPU time, however short, is paid back a hundred times over.
        #expect(limited.budgetDelay() > 0, "the next hash waits")
        let moving = BcryptPasswordHasher(cost: 4, threads: 1, cpuPercent: 1, burst: 0)
        #expect(try await moving.verify("password123", hash: try await moving.hash("password123")), "and runs once the debt is paid")

        let unlimited = BcryptPasswordHasher(cost: 4, threads: 1, cpuPercent: 0)
        _ = try await unlimited.hash("password123")
        #expect(unlimited.budgetDelay() == 0)
    }
}
