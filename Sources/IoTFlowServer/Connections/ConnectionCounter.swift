import CoreMetrics
import Metrics
import Synchronization

/// Counts the open connections of one server against its limit, across all event loops, and mirrors the
/// count in the `iotflow_connections_open` gauge.
final class ConnectionCounter: Sendable {
    /// Most connections open at once.
    let limit: Int
    private let open = Atomic<Int>(0)

    /// Process-wide like the registry: tests run several servers in one process and the gauge sums them.
    private static let gauge: Meter = {
        // A metric made before the bootstrap would stay a no-op for the life of the process.
        AppMetrics.bootstrap()
        return Meter(label: "iotflow_connections_open")
    }()

    /// A counter for a server that allows `limit` connections.
    init(limit: Int) {
        self.limit = limit
    }

    /// Connections counted as open now.
    var openConnections: Int { self.open.load(ordering: .relaxed) }

    /// Counts one more connection if there is room; false when the limit is reached.
    func tryOpen() -> Bool {
        var current = self.open.load(ordering: .relaxed)
        while current < self.limit {
            let (exchanged, original) = self.open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                Self.gauge.increment()
                return true
            }
            current = original
        }
        return false
    }

    /// Frees the slot of a connection counted by `tryOpen()` that has closed.
    func close() {
        self.open.subtract(1, ordering: .relaxed)
        Self.gauge.decrement()
    }
}
