public import NIOSSL

/// Listener settings.
public struct MQTTServerConfiguration: Sendable {
    /// Address to bind; port 0 picks a free one (see ``MQTTServer/localPort``).
    public var host: String
    public var port: Int
    /// Largest packet accepted (fixed header included); larger ones close the connection (MQTT 5: DISCONNECT 0x95
    /// first) and MQTT 5 clients are told it in CONNACK's Maximum Packet Size.
    public var maxPacketSize: Int = 256 * 1024
    /// A connection that has not sent a complete CONNECT within this is closed.
    public var connectTimeout: Duration = .seconds(5)
    /// QoS 1 and 2 publishes of one connection handed to the delegate and not yet acknowledged, at most; reading
    /// from that connection pauses at the limit. Advertised to MQTT 5 clients as Receive Maximum.
    public var receiveMaximum: Int = 1024
    /// With a context the listener speaks MQTT over TLS (MQTTS).
    public var tls: NIOSSLContext?

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
