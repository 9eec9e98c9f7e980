/// MQTT 5 reason codes (section 2.4); only the value matters on the wire, the names are for reading.
public struct MQTTReasonCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = Self(rawValue: 0x00)
    /// Granted QoS 1 in SUBACK.
    public static let grantedQoS1 = Self(rawValue: 0x01)
    /// Granted QoS 2 in SUBACK.
    public static let grantedQoS2 = Self(rawValue: 0x02)
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
    public static let packetIdentifierNotFound = Self(rawValue: 0x92)
    public static let receiveMaximumExceeded = Self(rawValue: 0x93)
    public static let topicAliasInvalid = Self(rawValue: 0x94)
    public static let packetTooLarge = Self(rawValue: 0x95)
    public static let quotaExceeded = Self(rawValue: 0x97)
    public static let administrativeAction = Self(rawValue: 0x98)
    public static let payloadFormatInvalid = Self(rawValue: 0x99)
    public static let qosNotSupported = Self(rawValue: 0x9B)
    public static let badAuthenticationMethod = Self(rawValue: 0x8C)
    public static let sharedSubscriptionsNotSupported = Self(rawValue: 0x9E)
    public static let wildcardSubscriptionsNotSupported = Self(rawValue: 0xA2)

    public var description: String { "0x" + String(self.rawValue, radix: 16, uppercase: true) }

    /// The spec's name of the codes a server closes a connection with, sent as the DISCONNECT's Reason String.
    var disconnectText: String? {
        switch self {
        case .unspecifiedError: "Unspecified error"
        case .malformedPacket: "Malformed Packet"
        case .protocolError: "Protocol Error"
        case .implementationSpecificError: "Implementation specific error"
        case .notAuthorized: "Not authorized"
        case .serverUnavailable: "Server unavailable"
        case .serverBusy: "Server busy"
        case .serverShuttingDown: "Server shutting down"
        case .keepAliveTimeout: "Keep Alive timeout"
        case .sessionTakenOver: "Session taken over"
        case .topicNameInvalid: "Topic Name invalid"
        case .receiveMaximumExceeded: "Receive Maximum exceeded"
        case .topicAliasInvalid: "Topic Alias invalid"
        case .packetTooLarge: "Packet too large"
        case .quotaExceeded: "Quota exceeded"
        case .administrativeAction: "Administrative action"
        case .payloadFormatInvalid: "Payload format invalid"
        default: nil
        }
    }
}
