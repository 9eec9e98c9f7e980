import IoTFlowCore

/// Where the Redis cache lives; set by `REDIS_HOST` and its companions.
public struct RedisSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `REDIS_HOST`.
    public var host: String
    /// `REDIS_PORT` (default 6379).
    public var port: Int = 6379
    /// `REDIS_PASSWORD` (default none); never printed.
    public var password: String?
    /// `REDIS_DB` (default 0).
    public var database: Int = 0
    /// `IOTFLOW_REDIS_PREFIX` (default `iotflow:`): every key and channel starts with it.
    public var keyPrefix: String = "iotflow:"

    /// Settings for a Redis at `host`.
    public init(host: String) {
        self.host = host
    }

    /// The Redis settings in `environment`, nil without `REDIS_HOST`; companions without it are an error.
    public static func fromEnvironment(_ environment: [String: String]) throws -> RedisSettings? {
        let companions = ["REDIS_PORT", "REDIS_PASSWORD", "REDIS_DB", "IOTFLOW_REDIS_PREFIX"]
        guard let host = environment["REDIS_HOST"], !host.isEmpty else {
            if let stray = companions.first(where: { !(environment[$0] ?? "").isEmpty }) {
                throw ConfigurationError(message: "\(stray) is set but REDIS_HOST is not; set REDIS_HOST to use Redis")
            }
            return nil
        }
        var settings = RedisSettings(host: host)
        if let port = environment["REDIS_PORT"], !port.isEmpty {
            settings.port = try EnvironmentValue.integer(port, name: "REDIS_PORT", range: 1...65_535)
        }
        if let password = environment["REDIS_PASSWORD"], !password.isEmpty { settings.password = password }
        if let database = environment["REDIS_DB"], !database.isEmpty {
            settings.database = try EnvironmentValue.integer(database, name: "REDIS_DB", range: 0...65_535)
        }
        if let prefix = environment["IOTFLOW_REDIS_PREFIX"], !prefix.isEmpty { settings.keyPrefix = prefix }
        return settings
    }

    /// The endpoint, for messages; never the password.
    public var description: String { "\(self.host):\(self.port)/\(self.database)" }

    public var debugDescription: String {
        "RedisSettings(\(self.description), password: \(Redacted.describe(self.password)), keyPrefix: \(self.keyPrefix))"
    }

    /// `dump` and reflection show no password.
    public var customMirror: Mirror {
        Mirror(
            self, children: ["endpoint": self.description, "password": Redacted.describe(self.password), "keyPrefix": self.keyPrefix],
            displayStyle: .struct)
    }
}
