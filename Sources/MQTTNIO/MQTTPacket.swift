import NIOCore

/// One MQTT control packet, in either direction. The codec handles every type both ways so that tests can play the
/// client with the same code; which packets a server accepts is the session state machine's business.
enum MQTTPacket: Equatable, Sendable {
    case connect(MQTTConnectPacket)
    case connack(MQTTConnAckPacket)
    case publish(MQTTPublishPacket)
    case puback(MQTTAckPacket)
    case pubrec(MQTTAckPacket)
    case pubrel(MQTTAckPacket)
    case pubcomp(MQTTAckPacket)
    case subscribe(MQTTSubscribePacket)
    case suback(MQTTSubAckPacket)
    case unsubscribe(MQTTUnsubscribePacket)
    case unsuback(MQTTUnsubAckPacket)
    case pingreq
    case pingresp
    case disconnect(MQTTDisconnectPacket)
    case auth(MQTTAuthPacket)

    /// The control packet type in the high nibble of the first byte.
    enum Kind: UInt8, Sendable {
        case connect = 1
        case connack = 2
        case publish = 3
        case puback = 4
        case pubrec = 5
        case pubrel = 6
        case pubcomp = 7
        case subscribe = 8
        case suback = 9
        case unsubscribe = 10
        case unsuback = 11
        case pingreq = 12
        case pingresp = 13
        case disconnect = 14
        case auth = 15

        /// The flags every type but PUBLISH must carry in the low nibble (section 2.1.3 / 2.2.2).
        var requiredFlags: UInt8 {
            switch self {
            case .pubrel, .subscribe, .unsubscribe: return 0b0010
            default: return 0
            }
        }
    }

    var kind: Kind {
        switch self {
        case .connect: return .connect
        case .connack: return .connack
        case .publish: return .publish
        case .puback: return .puback
        case .pubrec: return .pubrec
        case .pubrel: return .pubrel
        case .pubcomp: return .pubcomp
        case .subscribe: return .subscribe
        case .suback: return .suback
        case .unsubscribe: return .unsubscribe
        case .unsuback: return .unsuback
        case .pingreq: return .pingreq
        case .pingresp: return .pingresp
        case .disconnect: return .disconnect
        case .auth: return .auth
        }
    }
}

struct MQTTConnectPacket: Equatable, Sendable {
    struct Will: Equatable, Sendable {
        var topic: String
        var payload: ByteBuffer
        var qos: MQTTQoS
        var retain: Bool
        var properties = MQTTProperties()
    }

    var version: MQTTProtocolVersion
    var clientID: String
    var cleanStart: Bool
    var keepAlive: UInt16
    var username: String?
    var password: [UInt8]?
    var will: Will?
    var properties = MQTTProperties()
}

struct MQTTConnAckPacket: Equatable, Sendable {
    var sessionPresent: Bool
    /// The 3.1.1 return code or the MQTT 5 reason code.
    var code: UInt8
    var properties = MQTTProperties()
}

struct MQTTPublishPacket: Equatable, Sendable {
    var topic: String
    var payload: ByteBuffer
    var qos: MQTTQoS
    var retain: Bool
    var dup: Bool = false
    /// 0 for QoS 0, which has none.
    var packetID: UInt16 = 0
    var properties = MQTTProperties()
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape.
struct MQTTAckPacket: Equatable, Sendable {
    var packetID: UInt16
    var reason: MQTTReasonCode = .success
    var properties = MQTTProperties()
}

struct MQTTSubscribePacket: Equatable, Sendable {
    struct Subscription: Equatable, Sendable {
        var topicFilter: String
        var qos: MQTTQoS
        var noLocal = false
        var retainAsPublished = false
        var retainHandling: UInt8 = 0
    }

    var packetID: UInt16
    var subscriptions: [Subscription]
    var properties = MQTTProperties()
}

struct MQTTSubAckPacket: Equatable, Sendable {
    var packetID: UInt16
    /// 3.1.1: granted QoS or 0x80; MQTT 5: reason codes.
    var reasons: [MQTTReasonCode]
    var properties = MQTTProperties()
}

struct MQTTUnsubscribePacket: Equatable, Sendable {
    var packetID: UInt16
    var topicFilters: [String]
    var properties = MQTTProperties()
}

struct MQTTUnsubAckPacket: Equatable, Sendable {
    var packetID: UInt16
    /// MQTT 5 only; 3.1.1's UNSUBACK has no payload.
    var reasons: [MQTTReasonCode] = []
    var properties = MQTTProperties()
}

struct MQTTDisconnectPacket: Equatable, Sendable {
    var reason: MQTTReasonCode = .success
    var properties = MQTTProperties()

    /// The DISCONNECT a server closes a connection with: the reason's name as its Reason String, since some clients
    /// (paho-mqtt 2.1) read the reason code only from a DISCONNECT that also has properties. A Reason String is allowed
    /// on DISCONNECT whatever the client's Request Problem Information.
    static func closing(_ reason: MQTTReasonCode) -> Self {
        Self(reason: reason, properties: MQTTProperties(reason.disconnectText.map { [.reasonString($0)] } ?? []))
    }
}

struct MQTTAuthPacket: Equatable, Sendable {
    var reason: MQTTReasonCode = .success
    var properties = MQTTProperties()
}
