// The public surface of MQTTNIO that IoTFlowServer builds on. The declarations are fixed; their bodies are to be
// written (see the brief in the MQTT issue's note). Nothing here knows about devices or telemetry.
public import Logging
public import NIOCore
public import NIOSSL

/// The protocol level a client connected with.
public enum MQTTProtocolVersion: Sendable, Hashable {
    case v311
    case v5
}

/// Quality of service of a publish or a subscription.
public enum MQTTQoS: UInt8, Sendable, Hashable, Comparable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3).
public enum MQTTConnectReturnCode: UInt8, Sendable, Hashable {
    case accepted = 0x00
    case unacceptableProtocolVersion = 0x01
    case identifierRejected = 0x02
    case serverUnavailable = 0x03
    case badUserNameOrPassword = 0x04
    case notAuthorized = 0x05
}

/// MQTT 5 reason codes (section 2.4); only the value matters on the wire, the names are for reading.
public struct MQTTReasonCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = Self(rawValue: 0x00)
    public static let noMatchingSubscribers = Self(rawValue: 0x10)
    public static let unspecifiedError = Self(rawValue: 0x80)
    public static let malformedPacket = Self(rawValue: 0x81)
    public static let protocolError = Self(rawValue: 0x82)
    public static let implementationSpecificError = Self(rawValue: 0x83)
    public static let unsupportedProtocolVersion = Self(rawValue: 0x84)
    public static let clientIdentifierNotValid = Self(rawValue: 0x85)
    public static let badUserNameOrPassword = Self(rawValue: 0x86)
    public static let notAuthorized = Self(rawValue: 0x87)
    public static let serverUnavailable = Self(rawValue: 0x88)
    public static let serverBusy = Self(rawValue: 0x89)
    public static let serverShuttingDown = Self(rawValue: 0x8B)
    public static let keepAliveTimeout = Self(rawValue: 0x8D)
    public static let sessionTakenOver = Self(rawValue: 0x8E)
    public static let topicFilterInvalid = Self(rawValue: 0x8F)
    public static let topicNameInvalid = Self(rawValue: 0x90)
    public static let packetTooLarge = Self(rawValue: 0x95)
    public static let quotaExceeded = Self(rawValue: 0x97)
    public static let payloadFormatInvalid = Self(rawValue: 0x99)
    public static let qosNotSupported = Self(rawValue: 0x9B)

    public var description: String { "0x" + String(self.rawValue, radix: 16, uppercase: true) }
}

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

/// The delegate's answer to CONNECT.
public enum MQTTConnectDecision: Sendable {
    /// CONNACK success (session present 0); `context` travels with the session (``MQTTSession/context``).
    case accept(context: any Sendable)
    /// CONNACK with this code (3.1.1) or reason (5), then the connection closes.
    case refuse(v3: MQTTConnectReturnCode, v5: MQTTReasonCode)
}

/// One application message from a PUBLISH.
public struct MQTTInboundMessage: Sendable {
    public var topic: String
    public var payload: ByteBuffer
    public var qos: MQTTQoS
    public var retain: Bool

    public init(topic: String, payload: ByteBuffer, qos: MQTTQoS, retain: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}

/// What became of one inbound message.
public enum MQTTPublishOutcome: Sendable, Equatable {
    /// Handled: QoS 1 gets PUBACK 0x00, QoS 2 PUBREC 0x00.
    case accepted
    /// Not handled, and the client should not send it again: MQTT 5 gets this reason in PUBACK/PUBREC; 3.1.1 has no
    /// error channel and is acknowledged as usual. QoS 0: nothing is sent.
    case rejected(MQTTReasonCode)
    /// Close the connection without acknowledging this message or any after it (MQTT 5: DISCONNECT with the reason
    /// first): for a publish that breaks the rules (a topic not served) or that could not be made durable, so that
    /// the client sends it again.
    case disconnect(MQTTReasonCode)
}

/// One topic filter from SUBSCRIBE.
public struct MQTTSubscriptionRequest: Sendable, Equatable {
    public var topicFilter: String
    public var qos: MQTTQoS

    public init(topicFilter: String, qos: MQTTQoS) {
        self.topicFilter = topicFilter
        self.qos = qos
    }
}

/// The delegate's answer for one topic filter.
public enum MQTTSubscribeOutcome: Sendable, Equatable {
    /// Granted at this QoS (at most the requested one).
    case granted(MQTTQoS)
    /// Refused: 0x80 in 3.1.1's SUBACK, this reason in MQTT 5's.
    case refused(MQTTReasonCode)
}

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

/// What the server asks of the application. Calls for one connection never overlap except ``closed(_:reason:)``,
/// which may come while a publish batch is being handled.
public protocol MQTTServerDelegate: Sendable {
    /// Decides on a CONNECT. Nothing else of the connection is read until it returns.
    func connect(_ request: MQTTConnectRequest) async -> MQTTConnectDecision
    /// The CONNACK of an accepted connection has been written.
    func connected(_ session: MQTTSession) async
    /// Handles the messages of one or more PUBLISH packets read together, in the order received; returns one outcome
    /// per message, in the same order. Acknowledgements go out in that order, after this returns.
    func publish(_ messages: [MQTTInboundMessage], session: MQTTSession) async -> [MQTTPublishOutcome]
    /// Decides on each filter of a SUBSCRIBE; one outcome per filter, in order.
    func subscribe(_ filters: [MQTTSubscriptionRequest], session: MQTTSession) async -> [MQTTSubscribeOutcome]
    /// The SUBACK for `filters` has been written (a good moment to send retained-like current state).
    func subscribed(_ filters: [MQTTSubscriptionRequest], session: MQTTSession) async
    /// The client sent UNSUBSCRIBE for these filters (UNSUBACK is sent by the server).
    func unsubscribed(_ filters: [String], session: MQTTSession) async
    /// A PINGREQ arrived (answered by the server).
    func pinged(_ session: MQTTSession) async
    /// The connection of an accepted session ended.
    func closed(_ session: MQTTSession, reason: MQTTCloseReason) async
    /// A connection ended before it had a session (no CONNECT, refused, malformed CONNECT).
    func rejectedConnection(reason: MQTTCloseReason) async
}

/// An accepted client connection. Sendable handle: sends and disconnects from any task.
public final class MQTTSession: Sendable {
    /// The client id, assigned by the server when the client sent an empty one.
    public var clientID: String { fatalError("MQTTNIO: not yet written") }
    public var version: MQTTProtocolVersion { fatalError("MQTTNIO: not yet written") }
    /// The delegate's context from ``MQTTConnectDecision/accept(context:)``.
    public var context: any Sendable { fatalError("MQTTNIO: not yet written") }
    public var remoteAddress: SocketAddress? { fatalError("MQTTNIO: not yet written") }

    /// Sends an application message to the client at QoS 0, in order with earlier sends. Never blocks: a client that
    /// does not read has its oldest unsent messages dropped beyond a bounded buffer.
    public func send(topic: String, payload: ByteBuffer) {
        fatalError("MQTTNIO: not yet written")
    }

    /// Closes the connection; MQTT 5 clients get DISCONNECT with `reason` first. The delegate's ``MQTTServerDelegate/closed(_:reason:)``
    /// follows with `.serverDisconnected(reason)`.
    public func disconnect(reason: MQTTReasonCode) {
        fatalError("MQTTNIO: not yet written")
    }

    private init() {}
}

/// Errors of ``MQTTServer/bind(configuration:delegate:eventLoopGroup:logger:)``.
public struct MQTTServerError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The port is taken.
        case addressInUse
        /// Any other bind failure.
        case bindFailed
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}

/// An MQTT listener. `bind` opens the port; `run` serves until the task is cancelled or graceful shutdown, then
/// drains: stops accepting and reading, lets publish batches in progress finish and their acknowledgements go out
/// (bounded by a few seconds), sends MQTT 5 clients DISCONNECT 0x8B, and closes every connection.
public final class MQTTServer: Sendable {
    /// The bound port (useful with port 0).
    public var localPort: Int { fatalError("MQTTNIO: not yet written") }
    /// Connections with an accepted CONNECT.
    public var sessionCount: Int { fatalError("MQTTNIO: not yet written") }

    public static func bind(
        configuration: MQTTServerConfiguration,
        delegate: any MQTTServerDelegate,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) async throws -> MQTTServer {
        fatalError("MQTTNIO: not yet written")
    }

    public func run() async {
        fatalError("MQTTNIO: not yet written")
    }

    private init() {}
}
