public import NIOCore

/// What a client asked for in CONNECT.
public struct MQTTConnectRequest: Sendable {
    public var version: MQTTProtocolVersion
    /// As sent; empty when the client left it to the server (the session's ``MQTTSession/clientID`` is then assigned).
    public var clientID: String
    public var username: String?
    public var password: [UInt8]?
    /// Seconds; 0 turns keep-alive off.
    public var keepAlive: UInt16
    public var cleanStart: Bool
    public var remoteAddress: SocketAddress?

    public init(
        version: MQTTProtocolVersion, clientID: String, username: String?, password: [UInt8]?, keepAlive: UInt16, cleanStart: Bool,
        remoteAddress: SocketAddress?
    ) {
        self.version = version
        self.clientID = clientID
        self.username = username
        self.password = password
        self.keepAlive = keepAlive
        self.cleanStart = cleanStart
        self.remoteAddress = remoteAddress
    }
}
