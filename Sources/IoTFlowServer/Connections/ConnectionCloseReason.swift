import CoreMetrics
import Logging
import Metrics

/// Why the server closed a connection on its own: the `reason` label of `iotflow_connections_closed_total`.
enum ConnectionCloseReason: String, Sendable, CaseIterable {
    /// No whole request head within the header timeout.
    case headerTimeout = "header_timeout"
    /// A request body still arriving at the request deadline.
    case bodyTimeout = "body_timeout"
    /// No request for the idle timeout on a keep-alive connection.
    case idle
    /// Accepted while the connection limit was reached.
    case overLimit = "over_limit"

    /// One counter per reason, made once: swift-metrics would otherwise look the label up on every close.
    private static let counters: [ConnectionCloseReason: CoreMetrics.Counter] = {
        // A metric made before the bootstrap would stay a no-op for the life of the process.
        AppMetrics.bootstrap()
        var counters: [ConnectionCloseReason: CoreMetrics.Counter] = [:]
        for reason in ConnectionCloseReason.allCases {
            counters[reason] = CoreMetrics.Counter(label: "iotflow_connections_closed_total", dimensions: [("reason", reason.rawValue)])
        }
        return counters
    }()

    /// Counts one close for this reason and logs it at debug level.
    func record(remoteAddress: @autoclosure () -> String, logger: Logger) {
        Self.counters[self]?.increment()
        logger.debug(
            "closing connection",
            metadata: [ConnectionLoggingKey.reason: "\(self.rawValue)", ConnectionLoggingKey.remoteAddress: "\(remoteAddress())"]
        )
    }
}
