/// CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3).
public enum MQTTConnectReturnCode: UInt8, Sendable, Hashable {
    case accepted = 0x00
    case unacceptableProtocolVersion = 0x01
    case identifierRejected = 0x02
    case serverUnavailable = 0x03
    case badUserNameOrPassword = 0x04
    case notAuthorized = 0x05
}
