/// Why a connection ended, for logs and counters.
public enum MQTTCloseReason: Sendable, Equatable {
    /// The client sent DISCONNECT.
    case clientDisconnected
    /// The socket closed or failed without a DISCONNECT.
    case connectionLost
    /// No CONNECT within ``MQTTServerConfiguration/connectTimeout``.
    case connectTimeout
    /// No packet within 1.5 times the keep-alive.
    case keepAliveTimeout
    /// A packet that does not decode or breaks the protocol (a second CONNECT, a PUBLISH before CONNECT, ...).
    case malformedPacket(String)
    /// A packet above ``MQTTServerConfiguration/maxPacketSize``.
    case packetTooLarge
    /// CONNECT refused by the delegate.
    case refused
    /// Another connection with the same client id took the session over.
    case takenOver
    /// The server closed it: ``MQTTSession/disconnect(reason:)``, a publish outcome, or shutdown.
    case serverDisconnected(MQTTReasonCode)
}
