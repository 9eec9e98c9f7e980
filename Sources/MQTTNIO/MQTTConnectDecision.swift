/// The delegate's answer to CONNECT.
public enum MQTTConnectDecision: Sendable {
    /// CONNACK success (session present 0); `context` travels with the session (``MQTTSession/context``).
    case accept(context: any Sendable)
    /// CONNACK with this code (3.1.1) or reason (5), then the connection closes.
    case refuse(v3: MQTTConnectReturnCode, v5: MQTTReasonCode)
}
