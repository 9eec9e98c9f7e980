import CoreMetrics
import MQTTNIO

/// The MQTT listener's counters in `/metrics`, made once (swift-metrics would look labels up on every use).
enum MQTTMetrics {
    static let sessions: CoreMetrics.Gauge = {
        AppMetrics.bootstrap()
        return CoreMetrics.Gauge(label: "iotflow_mqtt_sessions")
    }()

    static let accepted = counter("iotflow_mqtt_connects_total", ("result", "accepted"))
    static let refused = counter("iotflow_mqtt_connects_total", ("result", "refused"))
    /// Messages whose points were stored, by QoS.
    static let stored: [MQTTQoS: CoreMetrics.Counter] = [
        .atMostOnce: counter("iotflow_mqtt_messages_total", ("qos", "0")),
        .atLeastOnce: counter("iotflow_mqtt_messages_total", ("qos", "1")),
        .exactlyOnce: counter("iotflow_mqtt_messages_total", ("qos", "2")),
    ]
    /// Messages that stored nothing: not valid telemetry, or over the rate limit.
    static let rejectedInvalid = counter("iotflow_mqtt_rejected_total", ("reason", "invalid"))
    static let rejectedRateLimited = counter("iotflow_mqtt_rejected_total", ("reason", "rate_limited"))

    private static let closed: [String: CoreMetrics.Counter] = Dictionary(
        uniqueKeysWithValues: [
            "client_disconnected", "connection_lost", "connect_timeout", "keep_alive_timeout", "malformed_packet", "packet_too_large",
            "refused", "taken_over", "server_disconnected",
        ].map { ($0, counter("iotflow_mqtt_connections_closed_total", ("reason", $0))) }
    )

    /// Counts a closed connection under its reason.
    static func recordClosed(_ reason: MQTTCloseReason) {
        let label: String
        switch reason {
        case .clientDisconnected: label = "client_disconnected"
        case .connectionLost: label = "connection_lost"
        case .connectTimeout: label = "connect_timeout"
        case .keepAliveTimeout: label = "keep_alive_timeout"
        case .malformedPacket: label = "malformed_packet"
        case .packetTooLarge: label = "packet_too_large"
        case .refused: label = "refused"
        case .takenOver: label = "taken_over"
        case .serverDisconnected: label = "server_disconnected"
        }
        Self.closed[label]?.increment()
    }

    private static func counter(_ label: String, _ dimension: (String, String)) -> CoreMetrics.Counter {
        AppMetrics.bootstrap()
        return CoreMetrics.Counter(label: label, dimensions: [dimension])
    }
}
