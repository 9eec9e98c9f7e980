import HummingbirdWebSocket
import IoTFlowCore

/// How the live streams (`/telemetry/{device_id}/stream`, `/groups/{id}/stream`, `/alerts/stream`) treat their
/// connections (`IOTFLOW_STREAM_QUEUE`, `IOTFLOW_STREAM_PING_SECONDS`, `IOTFLOW_STREAM_RECHECK_SECONDS`).
public struct LiveStreamSettings: Sendable, Equatable {
    /// Messages one connection may have waiting (`IOTFLOW_STREAM_QUEUE`, default 1000); above it the oldest are
    /// dropped and the client is told how many with a `dropped` frame.
    public var queueCapacity: Int = 1000
    /// Seconds between the server's WebSocket pings (`IOTFLOW_STREAM_PING_SECONDS`, default 30); a connection that
    /// has not answered one by the next is closed, as is one whose writes stay blocked that long.
    public var pingSeconds: Int = 30
    /// Seconds between two checks that a stream's credential and target are still valid
    /// (`IOTFLOW_STREAM_RECHECK_SECONDS`, default 5). Deletions and revocations close streams at once through
    /// the instance that made them (and Redis); the periodic check covers what a Redis outage kept from this one.
    public var recheckSeconds: Int = 5

    /// The defaults.
    public init() {}

    /// Reads the three variables; malformed or out-of-range values are errors, as elsewhere in `AppConfiguration`.
    public static func fromEnvironment(_ environment: [String: String]) throws -> LiveStreamSettings {
        var settings = LiveStreamSettings()
        if let text = environment["IOTFLOW_STREAM_QUEUE"], !text.isEmpty {
            settings.queueCapacity = try EnvironmentValue.integer(text, name: "IOTFLOW_STREAM_QUEUE", range: 1...1_000_000)
        }
        if let text = environment["IOTFLOW_STREAM_PING_SECONDS"], !text.isEmpty {
            settings.pingSeconds = try EnvironmentValue.integer(text, name: "IOTFLOW_STREAM_PING_SECONDS", range: 1...3600)
        }
        if let text = environment["IOTFLOW_STREAM_RECHECK_SECONDS"], !text.isEmpty {
            settings.recheckSeconds = try EnvironmentValue.integer(text, name: "IOTFLOW_STREAM_RECHECK_SECONDS", range: 1...3600)
        }
        return settings
    }

    /// How upgraded connections are served: pings every ``pingSeconds`` (a connection that has not answered one by
    /// the next is closed), client messages up to 64 KiB.
    var webSocketConfiguration: WebSocketServerConfiguration {
        WebSocketServerConfiguration(
            maxFrameSize: LiveStreamSession.maxClientMessage, autoPing: .enabled(timePeriod: .seconds(self.pingSeconds)),
            closeTimeout: LiveStreamSession.closeTimeout
        )
    }
}
