/// The delegate's answer for one topic filter.
public enum MQTTSubscribeOutcome: Sendable, Equatable {
    /// Granted at this QoS (at most the requested one).
    case granted(MQTTQoS)
    /// Refused: 0x80 in 3.1.1's SUBACK, this reason in MQTT 5's.
    case refused(MQTTReasonCode)
}
