/// The logger metadata keys of this module, in one place so they stay consistent.
enum MongoLoggingKey {
    static let connectionID = "mongo.connection.id"
    static let address = "mongo.address"
    static let error = "mongo.error"
    static let delay = "mongo.reconnect.delay"
    static let requestID = "mongo.request.id"
    static let command = "mongo.command"
    static let database = "mongo.database"
    static let username = "mongo.username"
    static let setName = "mongo.set.name"
    static let slot = "mongo.pool.slot"
}
