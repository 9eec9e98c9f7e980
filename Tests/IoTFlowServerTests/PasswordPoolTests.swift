import IoTFlowServer
import Testing

/// bcrypt has threads of its own: a burst of logins must not queue ahead of telemetry writes, whose SQLite
/// statements run on the shared blocking pool.
@Suite("bcrypt pool")
struct PasswordPoolTests {
    @Test("telemetry writes complete while a burst of logins is still being checked")
    func loginsDoNotStallWrites() async throws {
        try await withConfiguredApp({
            $0.bcryptCost = 12
            $0.bcryptThreads = 1
        }) { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let logins = 8
            let completed = SharedBox(0)
            let (firstDone, signal) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<logins {
                    group.addTask {
                        try requireJSON(try await api.login(alice.username, alice.password))
                        if completed.value.withLock({ count in
                            count += 1
                            return count
                        }) == 1 {
                            signal.finish()
                        }
                    }
                }
                // Once one login is through, the others wait for the bcrypt thread (each hash about a quarter of a
                // second of CPU). Ordering, not timing, is checked: were the writes' SQLite statements queued behind
                // the hashes on a shared pool, nearly every login would finish before the writes.
                for await _ in firstDone {}
                for value in 0..<3 { try await api.postPoint(device, ["v": .number(Double(value))]) }
                let doneWhenWritesFinished = completed.value.withLock { $0 }
                #expect(doneWhenWritesFinished <= logins / 2, "\(doneWhenWritesFinished) of \(logins) logins finished before 3 writes")
                try await group.waitForAll()
            }
            #expect(completed.value.withLock { $0 } == logins)
        }
    }
}
