import IoTFlowCore
import IoTFlowStorage

/// Configuration prints without its secrets (the admin token, the database and Redis passwords) wherever it
/// is shown: `description`, `debugDescription`, `dump` and string interpolation all go through these.
extension AppConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let fields = self.redactedFields.map { "\($0.label): \($0.value)" }
        return "AppConfiguration(\(fields.joined(separator: ", ")))"
    }

    public var debugDescription: String { self.description }

    public var customMirror: Mirror {
        Mirror(self, children: self.redactedFields.map { (label: Optional($0.label), value: $0.value as Any) }, displayStyle: .struct)
    }

    private var redactedFields: [(label: String, value: String)] {
        [
            ("host", self.host), ("port", "\(self.port)"), ("dataDirectory", self.dataDirectory), ("adminToken", Redacted.describe(self.adminToken)),
            ("legacyUserHeader", "\(self.legacyUserHeader)"), ("logLevel", "\(self.logLevel)"), ("bcryptCost", "\(self.bcryptCost)"),
            ("bcryptThreads", "\(self.bcryptThreads)"), ("onlineWindowSeconds", "\(self.onlineWindowSeconds)"),
            ("tokenLifetimeSeconds", "\(self.tokenLifetimeSeconds)"), ("sqliteSynchronous", self.sqliteSynchronous),
            ("databaseURL", self.databaseURL.map { "\($0)" } ?? "nil"), ("postgresPoolSize", "\(self.postgresPoolSize)"),
            ("redis", self.redis.map { "\($0)" } ?? "nil"),
            ("cassandra", self.cassandra.map { $0.debugDescription } ?? "nil"), ("mongo", self.mongo.map { $0.debugDescription } ?? "nil"),
            ("requestTimeoutSeconds", "\(self.requestTimeoutSeconds)"),
            ("rateLimitPerMinute", "\(self.rateLimitPerMinute)"), ("maxKeysPerDevice", "\(self.maxKeysPerDevice)"),
        ]
    }
}
