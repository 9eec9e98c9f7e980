import Testing

@testable import IoTFlowServer

/// The deadline table that replaced a timer per request: overdue handlers are cancelled, the others are not.
@Suite("Request deadlines")
struct RequestDeadlinesTests {
    @Test("a handler past its deadline is cancelled and reported expired; a quick one is neither")
    func overdueHandlersAreCancelled() async throws {
        let deadlines = RequestDeadlines(timeout: .milliseconds(300))
        let started = ContinuousClock.now
        let slow = await deadlines.run { () async throws -> Int in
            try await Task.sleep(for: .seconds(60))
            return 1
        }
        let elapsed = ContinuousClock.now - started
        #expect(slow.expired)
        #expect(throws: CancellationError.self) { try slow.result.get() }
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(30), "the sleeping handler ran \(elapsed) instead of being cancelled")
        let quick = await deadlines.run { () async throws -> Int in 7 }
        #expect(!quick.expired)
        #expect(try quick.result.get() == 7)
    }

    @Test("of many handlers at once only the overdue ones are cancelled, each in its own task")
    func onlyOverdueHandlers() async throws {
        let deadlines = RequestDeadlines(timeout: .milliseconds(400))
        let outcomes = await withTaskGroup(of: (Int, Bool, Bool).self) { group in
            for index in 0..<20 {
                group.addTask {
                    let outcome = await deadlines.run { () async throws -> Int in
                        // Even-numbered handlers wait far past the deadline; odd ones finish at once.
                        if index.isMultiple(of: 2) { try await Task.sleep(for: .seconds(60)) }
                        return index
                    }
                    return (index, outcome.expired, (try? outcome.result.get()) == index)
                }
            }
            var outcomes: [(Int, Bool, Bool)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }
        }
        #expect(outcomes.map(\.1) == (0..<20).map { $0.isMultiple(of: 2) })
        #expect(outcomes.map(\.2) == (0..<20).map { !$0.isMultiple(of: 2) })
    }
}
