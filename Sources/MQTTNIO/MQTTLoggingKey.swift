/// The logger metadata keys of this module, in one place so they stay consistent.
enum MQTTLoggingKey {
    static let connectionID = "mqtt.connection.id"
    static let clientID = "mqtt.client.id"
    static let remoteAddress = "mqtt.remote.address"
    static let version = "mqtt.version"
    static let closeReason = "mqtt.close.reason"
    static let error = "mqtt.error"
    static let dropped = "mqtt.outbound.dropped"
    static let localAddress = "mqtt.local.address"
    static let connectionCount = "mqtt.connections"
}
