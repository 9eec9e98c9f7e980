import IoTFlowCore
import Logging
import ServiceLifecycle
import Synchronization

/// Writes events in the background: `record` only appends to a bounded buffer, so a request never
/// waits for or fails because of the event log. `telemetry.submitted` is coalesced per device and second.
final class EventWriter: EventRecorder, Service {
    private struct CoalesceKey: Hashable {
        var deviceID: Int64
        var second: Int64
    }

    private struct State {
        var buffer: [Event] = []
        var coalesced: [CoalesceKey: Int] = [:]
        var dropped = 0
    }

    private let store: any EventStore
    private let logger: Logger
    private let capacity: Int
    private let flushInterval: Duration
    private let clock: any WallClock
    private let state = Mutex(State())

    init(
        store: any EventStore, capacity: Int = 100_000, flushInterval: Duration = .milliseconds(200), clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.store = store
        self.clock = clock
        self.capacity = capacity
        self.flushInterval = flushInterval
        self.logger = logger
    }

    func queueStatistics() -> EventQueueStatistics {
        self.state.withLock { EventQueueStatistics(depth: $0.buffer.count, dropped: $0.dropped) }
    }

    func record(_ event: Event) {
        var event = event
        self.state.withLock { state in
            if event.type == EventType.telemetrySubmitted, let deviceID = event.deviceID {
                // Stamped here, under the lock that flush() also reads the clock under, so a submission
                // can never land in a second that a flush has already closed.
                event.timestamp = max(event.timestamp, self.clock.nowMilliseconds())
                let key = CoalesceKey(deviceID: deviceID, second: event.timestamp / 1000)
                if let index = state.coalesced[key] {
                    let count = max(1, Self.int(state.buffer[index].details["count"])) + 1
                    let points = Self.int(state.buffer[index].details["points"]) + Self.int(event.details["points"])
                    state.buffer[index].details["count"] = .int(count)
                    state.buffer[index].details["points"] = .int(points)
                    return
                }
                guard state.buffer.count < self.capacity else {
                    state.dropped += 1
                    return
                }
                state.coalesced[key] = state.buffer.count
            } else if state.buffer.count >= self.capacity {
                state.dropped += 1
                return
            }
            state.buffer.append(event)
        }
    }

    func run() async throws {
        var backoff = self.flushInterval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let delay = backoff
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            backoff = await self.flush() ? self.flushInterval : min(backoff * 2, .seconds(30))
        }
        _ = await self.flush(all: true)
    }

    /// Writes what is buffered; on failure puts it back (as room allows) and returns false.
    @discardableResult
    func flush(all: Bool = false) async -> Bool {
        let events = self.state.withLock { state -> [Event] in
            let currentSecond = self.clock.nowMilliseconds() / 1000
            // telemetry.submitted events of the running second may still grow; keep them back so each
            // device-second ends up as exactly one event (unless flushing everything at shutdown).
            var taken: [Event] = []
            var kept: [Event] = []
            for event in state.buffer {
                if !all, event.type == EventType.telemetrySubmitted, event.timestamp / 1000 >= currentSecond {
                    kept.append(event)
                } else {
                    taken.append(event)
                }
            }
            state.buffer = kept
            state.coalesced.removeAll(keepingCapacity: true)
            for (index, event) in kept.enumerated() {
                if let deviceID = event.deviceID { state.coalesced[CoalesceKey(deviceID: deviceID, second: event.timestamp / 1000)] = index }
            }
            return taken
        }
        guard !events.isEmpty else { return true }
        do {
            try await self.store.append(events)
            return true
        } catch {
            self.logger.warning("event store write failed; will retry", metadata: ["error": "\(error)", "events": "\(events.count)"])
            self.state.withLock { state in
                let room = max(0, self.capacity - state.buffer.count)
                state.dropped += max(0, events.count - room)
                state.buffer.insert(contentsOf: events.prefix(room), at: 0)
                // Indexes moved; events put back are complete seconds and are not merged into again.
                state.coalesced.removeAll()
                for (index, event) in state.buffer.enumerated().dropFirst(min(room, events.count)) {
                    if event.type == EventType.telemetrySubmitted, let deviceID = event.deviceID {
                        state.coalesced[CoalesceKey(deviceID: deviceID, second: event.timestamp / 1000)] = index
                    }
                }
            }
            return false
        }
    }

    private static func int(_ value: JSONValue?) -> Int64 {
        if case .int(let number)? = value { return number }
        return 0
    }
}
