import IoTFlowCore

/// Where devices connect over MQTT (`MQTT_PORT`, `MQTTS_PORT`, `MQTT_TLS_CERT`, `MQTT_TLS_KEY`).
public struct MQTTSettings: Sendable, Equatable {
    /// The plain listener's port.
    public enum Port: Sendable, Equatable {
        /// 1883, unless it is taken (a broker already runs there): then HTTP is served alone, with one warning.
        case standard
        /// This port (0 picks a free one); taken, `serve` stops.
        case explicit(Int)
        /// No plain listener (`MQTT_PORT=off`).
        case off
    }

    /// The port of the standard listener.
    public static let standardPort = 1883

    public var port: Port = .standard
    /// The TLS listener's port; set together with ``certificatePath`` and ``keyPath``.
    public var tlsPort: Int?
    /// PEM certificate chain of the TLS listener.
    public var certificatePath: String?
    /// PEM private key of the TLS listener.
    public var keyPath: String?

    public init(port: Port = .standard) {
        self.port = port
    }

    static func fromEnvironment(_ environment: [String: String]) throws -> MQTTSettings {
        var settings = MQTTSettings()
        if let port = environment["MQTT_PORT"], !port.isEmpty {
            settings.port = port.lowercased() == "off" ? .off : .explicit(try EnvironmentValue.integer(port, name: "MQTT_PORT", range: 0...65_535))
        }
        if let port = environment["MQTTS_PORT"], !port.isEmpty {
            settings.tlsPort = try EnvironmentValue.integer(port, name: "MQTTS_PORT", range: 0...65_535)
        }
        settings.certificatePath = environment["MQTT_TLS_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        settings.keyPath = environment["MQTT_TLS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let tlsParts = [settings.tlsPort != nil, settings.certificatePath != nil, settings.keyPath != nil]
        guard tlsParts.allSatisfy({ $0 }) || tlsParts.allSatisfy({ !$0 }) else {
            throw ConfigurationError(message: "MQTTS_PORT, MQTT_TLS_CERT and MQTT_TLS_KEY go together: set all three for the TLS listener, or none")
        }
        return settings
    }
}
