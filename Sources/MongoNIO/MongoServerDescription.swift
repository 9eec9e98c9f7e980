/// What a server said about itself in its `hello` answer: its role in the deployment and the limits it sets.
public struct MongoServerDescription: Sendable, Equatable {
    /// The server's role, as the server discovery and monitoring specification tells them apart.
    public enum Role: Sendable, Equatable {
        /// A server on its own, not in a replica set.
        case standalone
        /// A `mongos` router of a sharded cluster.
        case router
        /// The replica set member that takes writes.
        case primary
        /// A replica set member that does not take writes (secondary, arbiter, hidden, starting up, ...).
        case otherMember
    }

    /// The server's role.
    public var role: Role
    /// The replica set's name, for a member of one.
    public var setName: String?
    /// The replica set's members as the server lists them (`hosts`), `host:port` each.
    public var hosts: [String]
    /// The member the server believes is the primary (`primary`), `host:port`.
    public var primary: String?
    /// The largest message the server accepts or sends.
    public var maxMessageSizeBytes: Int
    /// The largest document the server accepts.
    public var maxBsonObjectSize: Int
    /// The most write operations one command may carry.
    public var maxWriteBatchSize: Int
    /// The newest wire protocol version the server speaks.
    public var maxWireVersion: Int

    /// The limits the specifications give for a server that does not state them.
    static let defaultMaxMessageSizeBytes = 48_000_000
    static let defaultMaxBsonObjectSize = 16 * 1024 * 1024
    static let defaultMaxWriteBatchSize = 100_000

    /// Reads a `hello` (or legacy `isMaster`) answer.
    init(hello: BSONDocument) {
        let writable = hello["isWritablePrimary"]?.boolValue ?? hello["ismaster"]?.boolValue ?? false
        self.setName = hello["setName"]?.stringValue
        if hello["msg"]?.stringValue == "isdbgrid" {
            self.role = .router
        } else if self.setName != nil || hello["isreplicaset"]?.boolValue == true {
            self.role = writable ? .primary : .otherMember
        } else {
            self.role = writable ? .standalone : .otherMember
        }
        self.hosts = hello["hosts"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.primary = hello["primary"]?.stringValue
        self.maxMessageSizeBytes = Self.positiveInt(hello["maxMessageSizeBytes"]) ?? Self.defaultMaxMessageSizeBytes
        self.maxBsonObjectSize = Self.positiveInt(hello["maxBsonObjectSize"]) ?? Self.defaultMaxBsonObjectSize
        self.maxWriteBatchSize = Self.positiveInt(hello["maxWriteBatchSize"]) ?? Self.defaultMaxWriteBatchSize
        self.maxWireVersion = hello["maxWireVersion"].flatMap { BSONValue.integer($0) } ?? 0
    }

    /// Whether this server takes writes: a standalone, a router, or a replica set's primary.
    public var isWritable: Bool {
        self.role != .otherMember
    }

    private static func positiveInt(_ value: BSONValue?) -> Int? {
        guard let value, let number = BSONValue.integer(value), number > 0 else {
            return nil
        }
        return number
    }
}
