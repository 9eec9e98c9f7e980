/// One topic filter from SUBSCRIBE.
public struct MQTTSubscriptionRequest: Sendable, Equatable {
    public var topicFilter: String
    public var qos: MQTTQoS

    public init(topicFilter: String, qos: MQTTQoS) {
        self.topicFilter = topicFilter
        self.qos = qos
    }
}
