/// Why bytes from a client cannot be accepted: raised by the decoder and the session state machine, and turned into a
/// close (MQTT 5: DISCONNECT with ``reasonCode`` first, when a CONNACK has gone out).
struct MQTTProtocolError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// The bytes do not follow the packet grammar.
        case malformedPacket
        /// Well-formed, but not allowed here (a second CONNECT, a PUBLISH before CONNECT, ...).
        case protocolError
        /// Above the packet size limit; known from the fixed header alone.
        case packetTooLarge
        /// CONNECT with a protocol level other than 4 (3.1.1) or 5.
        case unsupportedProtocolVersion(UInt8)
        /// An MQTT 5 client sent more unacknowledged QoS 1 and 2 publishes than the Receive Maximum it was given.
        case receiveMaximumExceeded
        /// A topic alias, though Topic Alias Maximum is 0.
        case topicAliasInvalid
        /// A PUBLISH topic name with wildcards or empty.
        case topicNameInvalid
    }

    var kind: Kind
    var message: String

    static func malformed(_ message: String) -> Self { Self(kind: .malformedPacket, message: message) }
    static func protocolViolation(_ message: String) -> Self { Self(kind: .protocolError, message: message) }

    /// The MQTT 5 reason of the DISCONNECT that reports it.
    var reasonCode: MQTTReasonCode {
        switch self.kind {
        case .malformedPacket: return .malformedPacket
        case .protocolError: return .protocolError
        case .packetTooLarge: return .packetTooLarge
        case .unsupportedProtocolVersion: return .unsupportedProtocolVersion
        case .receiveMaximumExceeded: return .receiveMaximumExceeded
        case .topicAliasInvalid: return .topicAliasInvalid
        case .topicNameInvalid: return .topicNameInvalid
        }
    }

    /// What the delegate is told.
    var closeReason: MQTTCloseReason {
        switch self.kind {
        case .packetTooLarge: return .packetTooLarge
        default: return .malformedPacket(self.message)
        }
    }

    var description: String { "MQTT \(self.kind): \(self.message)" }
}
