public import NIOCore

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
