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
