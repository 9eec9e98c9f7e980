/// The event log. Implementations: SQLite, MongoDB.
public protocol EventStore: Sendable {
    /// Appends events in one write.
    func append(_ events: [Event]) async throws
    /// A page of events, newest first, and the total matching.
    func events(_ query: EventQuery) async throws -> (events: [Event], total: Int)
    /// Events per bucket and type, counted by the store itself (`GROUP BY`, an aggregation pipeline), ordered by
    /// bucket then type.
    func counts(_ query: EventCountQuery) async throws -> [EventCount]
    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
}

/// Where services drop events; recording never blocks or fails the caller.
public protocol EventRecorder: Sendable {
    /// Queues an event for writing.
    func record(_ event: Event)
    /// Events waiting to be written, and events dropped because the queue was full.
    func queueStatistics() -> EventQueueStatistics
}

/// The state of an event queue.
public struct EventQueueStatistics: Sendable, Equatable {
    /// Events waiting to be written.
    public var depth: Int
    /// Events dropped since start because the queue was full.
    public var dropped: Int

    /// Creates the value.
    public init(depth: Int, dropped: Int) {
        self.depth = depth
        self.dropped = dropped
    }
}
