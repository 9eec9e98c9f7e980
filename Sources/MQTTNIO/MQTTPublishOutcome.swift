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
