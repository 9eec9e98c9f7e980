import CassandraNIO
import Foundation
import IoTFlowCore

/// Where telemetry lives when it lives in Cassandra; set by `CASSANDRA_HOSTS` and its companions.
public struct CassandraSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// How long a partition of points spans: every device's points are split by it, so no partition grows without bound.
    public enum Bucket: String, Sendable, Equatable {
        case hour, day, month
    }

    /// `CASSANDRA_HOSTS`: one or more contact points, comma separated, each `host` or `host:port`.
    public var hosts: [CassandraEndpoint]
    /// `CASSANDRA_KEYSPACE` (default `iotflow`).
    public var keyspace: String = "iotflow"
    /// `CASSANDRA_USERNAME` (default none).
    public var username: String?
    /// `CASSANDRA_PASSWORD` (default none); never printed.
    public var password: String?
    /// `CASSANDRA_CONSISTENCY` for reads and writes (default `LOCAL_QUORUM`).
    public var consistency: CassandraConsistency = .localQuorum
    /// `CASSANDRA_TLS` (default false).
    public var tls: Bool = false
    /// `CASSANDRA_REPLICATION`: the replication map used when the keyspace is created.
    public var replication: String = "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    /// `CASSANDRA_BUCKET` (default `day`).
    public var bucket: Bucket = .day
    /// `TELEMETRY_RETENTION_DAYS`: points expire this many days after they are written (Cassandra's per-row TTL); 0 keeps them.
    public var retentionDays: Int = 0
    /// `ROLLUP_RETENTION_DAYS`: per-minute and per-hour rollups expire this many days after they are last written
    /// (their own TTL, independent of the points'); 0 keeps them, also when points expire.
    public var rollupRetentionDays: Int = 0

    /// Settings for the given contact points.
    public init(hosts: [CassandraEndpoint]) {
        self.hosts = hosts
    }

    /// The Cassandra settings in `environment`, nil without `CASSANDRA_HOSTS`; companions without it are an error.
    public static func fromEnvironment(_ environment: [String: String]) throws -> CassandraSettings? {
        let companions = [
            "CASSANDRA_PORT", "CASSANDRA_KEYSPACE", "CASSANDRA_USERNAME", "CASSANDRA_PASSWORD", "CASSANDRA_CONSISTENCY", "CASSANDRA_TLS",
            "CASSANDRA_REPLICATION", "CASSANDRA_BUCKET",
        ]
        guard let hostList = environment["CASSANDRA_HOSTS"], !hostList.isEmpty else {
            if let stray = companions.first(where: { !(environment[$0] ?? "").isEmpty }) {
                throw ConfigurationError(message: "\(stray) is set but CASSANDRA_HOSTS is not; set CASSANDRA_HOSTS to keep telemetry in Cassandra")
            }
            return nil
        }
        var port = 9042
        if let text = environment["CASSANDRA_PORT"], !text.isEmpty {
            port = try EnvironmentValue.integer(text, name: "CASSANDRA_PORT", range: 1...65_535)
        }
        var settings = CassandraSettings(hosts: try Self.endpoints(hostList, defaultPort: port))
        if let keyspace = environment["CASSANDRA_KEYSPACE"], !keyspace.isEmpty {
            // Interpolated into CQL (keyspace names cannot be bound), so only what Cassandra allows unquoted.
            guard keyspace.count <= 48, keyspace.first?.isLetter == true,
                keyspace.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                throw ConfigurationError(message: "CASSANDRA_KEYSPACE must be 1-48 letters, digits or underscores, starting with a letter")
            }
            settings.keyspace = keyspace.lowercased()
        }
        if let username = environment["CASSANDRA_USERNAME"], !username.isEmpty { settings.username = username }
        if let password = environment["CASSANDRA_PASSWORD"], !password.isEmpty { settings.password = password }
        if settings.password != nil, settings.username == nil {
            throw ConfigurationError(message: "CASSANDRA_PASSWORD is set but CASSANDRA_USERNAME is not")
        }
        if let text = environment["CASSANDRA_CONSISTENCY"], !text.isEmpty {
            guard let consistency = Self.consistencies[text.uppercased()] else {
                let names = Self.consistencies.keys.sorted().joined(separator: ", ")
                throw ConfigurationError(message: "CASSANDRA_CONSISTENCY must be one of \(names), not '\(text.prefix(40))'")
            }
            settings.consistency = consistency
        }
        if let text = environment["CASSANDRA_TLS"], !text.isEmpty {
            settings.tls = try EnvironmentValue.boolean(text, name: "CASSANDRA_TLS")
        }
        if let text = environment["CASSANDRA_REPLICATION"], !text.isEmpty {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            // Interpolated into CREATE KEYSPACE: a map literal and nothing after it.
            guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}"), !trimmed.contains(";"), trimmed.filter({ $0 == "}" }).count == 1 else {
                throw ConfigurationError(
                    message: "CASSANDRA_REPLICATION must be a CQL map such as {'class': 'NetworkTopologyStrategy', 'dc1': 3}")
            }
            settings.replication = trimmed
        }
        if let text = environment["CASSANDRA_BUCKET"], !text.isEmpty {
            guard let bucket = Bucket(rawValue: text.lowercased()) else {
                throw ConfigurationError(message: "CASSANDRA_BUCKET must be hour, day or month, not '\(text.prefix(40))'")
            }
            settings.bucket = bucket
        }
        if let text = environment["TELEMETRY_RETENTION_DAYS"], !text.isEmpty {
            settings.retentionDays = try EnvironmentValue.integer(text, name: "TELEMETRY_RETENTION_DAYS", range: 0...36_500)
        }
        if let text = environment["ROLLUP_RETENTION_DAYS"], !text.isEmpty {
            settings.rollupRetentionDays = try EnvironmentValue.integer(text, name: "ROLLUP_RETENTION_DAYS", range: 0...36_500)
        }
        return settings
    }

    /// CQL's consistency names as `CASSANDRA_CONSISTENCY` accepts them.
    static let consistencies: [String: CassandraConsistency] = [
        "ONE": .one, "TWO": .two, "THREE": .three, "QUORUM": .quorum, "ALL": .all, "LOCAL_QUORUM": .localQuorum,
        "EACH_QUORUM": .eachQuorum, "LOCAL_ONE": .localOne,
    ]

    private static func endpoints(_ list: String, defaultPort: Int) throws -> [CassandraEndpoint] {
        try list.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let text = item.trimmingCharacters(in: .whitespaces)
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard !text.isEmpty, parts.count <= 2, !parts[0].isEmpty else {
                throw ConfigurationError(message: "CASSANDRA_HOSTS must list host or host:port, comma separated, not '\(text.prefix(60))'")
            }
            let port =
                parts.count == 2 ? try EnvironmentValue.integer(String(parts[1]), name: "CASSANDRA_HOSTS port", range: 1...65_535) : defaultPort
            return CassandraEndpoint(host: String(parts[0]), port: port)
        }
    }

    /// The endpoints and keyspace, for messages; never the password.
    public var description: String {
        self.hosts.map { "\($0.host):\($0.port)" }.joined(separator: ",") + "/" + self.keyspace
    }

    public var debugDescription: String {
        "CassandraSettings(\(self.description), username: \(self.username ?? "none"), password: \(Redacted.describe(self.password)), "
            + "consistency: \(self.consistency), tls: \(self.tls), bucket: \(self.bucket.rawValue), retentionDays: \(self.retentionDays), "
            + "rollupRetentionDays: \(self.rollupRetentionDays))"
    }

    /// `dump` and reflection show no password.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "endpoints": self.description, "username": self.username ?? "none", "password": Redacted.describe(self.password),
                "consistency": "\(self.consistency)", "tls": self.tls, "bucket": self.bucket.rawValue, "retentionDays": self.retentionDays,
                "rollupRetentionDays": self.rollupRetentionDays,
            ],
            displayStyle: .struct)
    }
}
