import Foundation
import IoTFlowCore
import IoTFlowStorage
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import IoTFlowServer

/// The ingest batcher's group commit and the event writer's bounded queue, against stores that
/// count calls or fail on purpose (the failure cases cannot be provoked through HTTP).
@Suite("Background services")
struct BackgroundServiceTests {
    @Test("concurrent telemetry writes share transactions and each returns after its commit")
    func groupCommit() async throws {
        let store = RecordingTelemetryStore(delay: .milliseconds(20))
        try await withTemporaryRegistry { devices in
            let batcher = IngestBatcher(
                store: store, devices: devices, cache: InMemoryCache(), maxBatchPoints: 100_000, logger: Logger(label: "test")
            )
            try await withRunningService(batcher) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for device in 1...200 {
                        group.addTask {
                            try await batcher.submit(
                                TelemetryWrite(deviceID: Int64(device), points: [TelemetryPoint(timestamp: 1, values: [("v", .number(1))])]))
                            // Returning means the write is in a committed batch.
                            #expect(store.committedDevices.withLock { $0.contains(Int64(device)) })
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        #expect(store.committedDevices.withLock { $0.count } == 200)
        #expect(store.writeCalls.load(ordering: .relaxed) < 200, "200 concurrent writes should need fewer than 200 transactions")
    }

    @Test("a write that fails does not fail the writes batched with it")
    func failureIsolation() async throws {
        let store = RecordingTelemetryStore(delay: .milliseconds(5), failingDevice: 13)
        let outcomes = SharedBox<[Int64: Bool]>([:])
        try await withTemporaryRegistry { devices in
            let batcher = IngestBatcher(
                store: store, devices: devices, cache: InMemoryCache(), maxBatchPoints: 100_000, logger: Logger(label: "test")
            )
            try await withRunningService(batcher) {
                await withTaskGroup(of: Void.self) { group in
                    for device in 1...40 {
                        group.addTask {
                            let succeeded =
                                (try? await batcher.submit(
                                    TelemetryWrite(deviceID: Int64(device), points: [TelemetryPoint(timestamp: 1, values: [("v", .number(1))])])
                                )) != nil
                            outcomes.value.withLock { $0[Int64(device)] = succeeded }
                        }
                    }
                }
            }
        }
        let results = outcomes.value.withLock { $0 }
        #expect(results[13] == false)
        #expect(results.filter { $0.key != 13 }.values.allSatisfy { $0 })
        #expect(!store.committedDevices.withLock { $0.contains(13) })
    }

    @Test("telemetry.submitted events coalesce per device and second, and a running second is held back")
    func coalescing() async throws {
        let store = RecordingEventStore()
        let clock = SettableClock(10_500)
        let writer = EventWriter(store: store, clock: clock, logger: Logger(label: "test"))
        let submitted = { (device: Int64) in
            Event(type: EventType.telemetrySubmitted, timestamp: 0, userPublicID: "u", deviceID: device, details: ["count": 1, "points": 2])
        }
        for _ in 0..<5 { writer.record(submitted(1)) }
        writer.record(submitted(2))
        clock.set(11_200)
        writer.record(submitted(1))
        #expect(await writer.flush())
        // Second 11 is still running: only second 10 is written.
        #expect(store.events.withLock { $0.count } == 2)
        clock.set(12_000)
        #expect(await writer.flush())
        let events = store.events.withLock { $0 }
        #expect(events.count == 3)
        let first = try #require(events.first { $0.deviceID == 1 && $0.timestamp / 1000 == 10 })
        #expect(first.details["count"] == .int(5))
        #expect(first.details["points"] == .int(10))
        #expect(events.filter { $0.deviceID == 1 }.count == 2)
    }

    @Test("an unavailable event store fills the bounded queue, drops and counts the rest, and recovers")
    func boundedQueue() async throws {
        let store = RecordingEventStore()
        store.failing.store(true, ordering: .relaxed)
        let writer = EventWriter(store: store, capacity: 10, flushInterval: .milliseconds(10), logger: Logger(label: "test"))
        for index in 0..<25 {
            writer.record(Event(type: EventType.userLogin, timestamp: Int64(index), userPublicID: "u"))
        }
        #expect(writer.queueStatistics() == EventQueueStatistics(depth: 10, dropped: 15))
        #expect(await writer.flush() == false)
        #expect(writer.queueStatistics() == EventQueueStatistics(depth: 10, dropped: 15), "a failed flush keeps the queued events")
        store.failing.store(false, ordering: .relaxed)
        #expect(await writer.flush())
        #expect(store.events.withLock { $0.count } == 10)
        #expect(writer.queueStatistics() == EventQueueStatistics(depth: 0, dropped: 15))
        #expect(store.events.withLock { $0.map(\.timestamp) } == Array(0..<10), "the oldest events are kept, in order")
    }
}

/// Runs `body` with a real registry in a fresh folder (the batcher records `last_seen` there), then
/// closes the database and removes the folder.
func withTemporaryRegistry(_ body: (DeviceSQLiteStore) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-registry-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let database = try await SQLiteDatabaseFile.open(path: directory + "/iotflow.sqlite", logger: Logger(label: "test"))
    do {
        try await body(DeviceSQLiteStore(database: database))
    } catch {
        await database.close()
        throw error
    }
    await database.close()
}

/// Runs `service` in a service group around `body`, then shuts it down gracefully.
func withRunningService(_ service: some Service, _ body: () async throws -> Void) async throws {
    let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// A telemetry store that records which devices were committed, and in how many calls.
final class RecordingTelemetryStore: TelemetryStore {
    let committedDevices = Mutex<Set<Int64>>([])
    let writeCalls = Atomic<Int>(0)
    let delay: Duration
    let failingDevice: Int64?

    init(delay: Duration, failingDevice: Int64? = nil) {
        self.delay = delay
        self.failingDevice = failingDevice
    }

    func write(_ writes: [TelemetryWrite]) async throws {
        self.writeCalls.add(1, ordering: .relaxed)
        try await Task.sleep(for: self.delay)
        if let failingDevice, writes.contains(where: { $0.deviceID == failingDevice }) {
            throw IoTFlowError.unavailable("injected failure")
        }
        self.committedDevices.withLock { $0.formUnion(writes.map(\.deviceID)) }
    }

    func history(_ query: HistoryQuery) async throws -> [TelemetryEntry] { [] }
    func latest(deviceID: Int64) async throws -> [LatestValue] { [] }
    func latest(deviceIDs: [Int64]) async throws -> [Int64: [LatestValue]] { [:] }
    func aggregate(_ query: AggregationQuery, source: AggregationSource) async throws -> [AggregationBucket]? { [] }
    func expireValues(before cutoff: Int64, limit: Int) async throws -> Int { 0 }
    func expireRollups(before cutoff: Int64, limit: Int) async throws -> Int { 0 }
    func delete(deviceID: Int64, start: Int64, end: Int64, keys: [String]) async throws -> Int { 0 }
    func deleteAll(deviceIDs: [Int64]) async throws {}
    func latestSummaries(deviceIDs: [Int64], since: Int64, limit: Int, offset: Int) async throws -> (summaries: [DeviceLatest], total: Int) {
        ([], 0)
    }
    func keyNames(deviceID: Int64) async throws -> Set<String> { [] }
    func counts(recentSince: Int64) async throws -> TelemetryCounts { TelemetryCounts(total: 0, recent: 0) }
    func ping() async throws -> Double { 0 }
}

/// An event store that keeps events in memory and can be switched to fail.
final class RecordingEventStore: EventStore {
    let events = Mutex<[Event]>([])
    let failing = Atomic<Bool>(false)

    func append(_ events: [Event]) async throws {
        if self.failing.load(ordering: .relaxed) { throw IoTFlowError.unavailable("injected failure") }
        self.events.withLock { $0.append(contentsOf: events) }
    }

    func events(_ query: EventQuery) async throws -> (events: [Event], total: Int) {
        let all = self.events.withLock { $0 }
        return (all, all.count)
    }

    func counts(_ query: EventCountQuery) async throws -> [EventCount] { [] }

    func ping() async throws -> Double { 0 }
}

/// A value shared across tasks under a lock.
final class SharedBox<Value: Sendable>: Sendable {
    let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }
}

/// A wall clock the test moves by hand.
final class SettableClock: WallClock {
    private let milliseconds: Mutex<Int64>

    init(_ milliseconds: Int64) {
        self.milliseconds = Mutex(milliseconds)
    }

    func set(_ value: Int64) {
        self.milliseconds.withLock { $0 = value }
    }

    func nowMilliseconds() -> Int64 {
        self.milliseconds.withLock { $0 }
    }
}
