import Foundation
import IoTFlowCore

/// A parsed `DATABASE_URL`: `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// TLS use, after libpq's `sslmode` names.
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    /// Server host name or address.
    public var host: String
    /// Server port.
    public var port: Int
    /// Role to log in as.
    public var username: String
    /// Password, if any; never logged.
    public var password: String?
    /// Database name.
    public var database: String
    /// TLS mode.
    public var tls: TLSMode

    /// `host:port`, for messages (never the password).
    public var endpoint: String { "\(self.host):\(self.port)" }

    /// The URL with the password redacted, for logs and errors.
    public var description: String {
        let password = self.password == nil ? "" : ":" + Redacted.placeholder
        return "postgres://\(self.username)\(password)@\(self.host):\(self.port)/\(self.database)?sslmode=\(self.tls.rawValue)"
    }

    public var debugDescription: String { self.description }

    /// `dump` and reflection show the redacted URL, not the stored password.
    public var customMirror: Mirror {
        Mirror(self, children: ["url": self.description], displayStyle: .struct)
    }

    /// Parses a URL; the error names what is wrong without echoing the password.
    public static func parse(_ text: String) throws -> DatabaseURL {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw ConfigurationError(message: "DATABASE_URL is not a URL; expected postgres://user:password@host:5432/database")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw ConfigurationError(message: "DATABASE_URL must start with postgres:// (got \(scheme)://)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigurationError(message: "DATABASE_URL has no host; expected postgres://user:password@host:5432/database")
        }
        guard let username = components.user, !username.isEmpty else {
            throw ConfigurationError(message: "DATABASE_URL has no user name; expected postgres://user:password@\(host)/database")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw ConfigurationError(message: "DATABASE_URL port must be 1-65535") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw ConfigurationError(message: "DATABASE_URL must name one database, as in postgres://user@\(host):\(port)/iotflow")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            switch item.value ?? "" {
            case "disable": tls = .disable
            case "allow", "prefer": tls = .prefer
            case "require", "verify-ca", "verify-full": tls = .require
            default: throw ConfigurationError(message: "DATABASE_URL sslmode must be disable, prefer or require")
            }
        }
        return DatabaseURL(
            host: host, port: port, username: username.removingPercentEncoding ?? username,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database.removingPercentEncoding ?? database, tls: tls
        )
    }
}
