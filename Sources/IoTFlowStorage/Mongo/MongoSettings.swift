import IoTFlowCore
import MongoNIO

/// Where the event log lives when it lives in MongoDB; set by `MONGODB_URI` and its companions.
public struct MongoSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `MONGODB_URI`, parsed: hosts, credentials, `authSource`, `replicaSet`, `tls`, timeouts.
    public var connectionString: MongoConnectionString
    /// `MONGODB_DATABASE`, else the URI's database, else `iotflow`.
    public var database: String
    /// `EVENT_RETENTION_DAYS`: events expire this many days after they happened (a TTL index); 0 keeps them.
    public var eventRetentionDays: Int = 0

    /// Settings for a parsed connection string and database.
    public init(connectionString: MongoConnectionString, database: String) {
        self.connectionString = connectionString
        self.database = database
    }

    /// The MongoDB settings in `environment`, nil without `MONGODB_URI`; companions without it are an error.
    public static func fromEnvironment(_ environment: [String: String]) throws -> MongoSettings? {
        let companions = ["MONGODB_DATABASE", "EVENT_RETENTION_DAYS"]
        guard let uri = environment["MONGODB_URI"], !uri.isEmpty else {
            if let stray = companions.first(where: { !(environment[$0] ?? "").isEmpty }) {
                throw ConfigurationError(message: "\(stray) is set but MONGODB_URI is not; set MONGODB_URI to keep events in MongoDB")
            }
            return nil
        }
        let connectionString: MongoConnectionString
        do {
            connectionString = try MongoConnectionString(uri)
        } catch {
            throw ConfigurationError(message: "MONGODB_URI is not a usable MongoDB connection string: \(error)")
        }
        var database = connectionString.database ?? "iotflow"
        if let name = environment["MONGODB_DATABASE"], !name.isEmpty {
            // MongoDB's own rules for database names, checked here so a typo fails at start, not on the first event.
            let forbidden: Set<Character> = ["/", "\\", ".", " ", "\"", "$", "*", "<", ">", ":", "|", "?"]
            guard name.utf8.count < 64, !name.contains(where: { forbidden.contains($0) || $0 == "\0" }) else {
                throw ConfigurationError(message: "MONGODB_DATABASE must be under 64 bytes without / \\ . space \" $ * < > : | ?")
            }
            database = name
        }
        var settings = MongoSettings(connectionString: connectionString, database: database)
        if let text = environment["EVENT_RETENTION_DAYS"], !text.isEmpty {
            settings.eventRetentionDays = try EnvironmentValue.integer(text, name: "EVENT_RETENTION_DAYS", range: 0...36_500)
        }
        return settings
    }

    /// Hosts and database, for messages; never the password.
    public var description: String {
        self.connectionString.hosts.map { "\($0)" }.joined(separator: ",") + "/" + self.database
    }

    public var debugDescription: String {
        "MongoSettings(\(self.connectionString), database: \(self.database), eventRetentionDays: \(self.eventRetentionDays))"
    }

    /// `dump` and reflection show no password.
    public var customMirror: Mirror {
        Mirror(
            self, children: ["uri": "\(self.connectionString)", "database": self.database, "eventRetentionDays": self.eventRetentionDays],
            displayStyle: .struct)
    }
}
