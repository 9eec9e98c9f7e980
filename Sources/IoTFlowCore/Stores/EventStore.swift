/// The event log. Implementations: SQLite, MongoDB.
public protocol EventStore: Sendable {
    /// Appends events in one write.
    func append(_ events: [Event]) async throws
    /// A page of events, newest first, and the total matching.
    func events(_ query: EventQuery) async throws -> (events: [Event], total: Int)
    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
}

/// Where services drop events; recording never blocks or fails the caller.
public protocol EventRecorder: Sendable {
    /// Queues an event for writing.
    func record(_ event: Event)
}
