#if canImport(Glibc)
import IoTFlowCore
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How long a client may take over each phase of a connection, and how many connections may be open
/// (`IOTFLOW_HEADER_TIMEOUT_SECONDS`, `IOTFLOW_IDLE_TIMEOUT_SECONDS`, `IOTFLOW_MAX_CONNECTIONS`).
///
/// The request body's deadline is not here: it is `AppConfiguration.requestTimeoutSeconds`, the same
/// deadline the handlers run under, so a request has one budget whether it is slow to arrive or to answer.
public struct ConnectionLimits: Sendable, Equatable {
    /// Seconds a client has to send a whole request head (`IOTFLOW_HEADER_TIMEOUT_SECONDS`, default 10), counted
    /// from when the connection opened or, between keep-alive requests, from the next request's first byte.
    public var headerTimeoutSeconds: Int = 10
    /// Seconds a keep-alive connection may sit with no request in progress (`IOTFLOW_IDLE_TIMEOUT_SECONDS`, default 60),
    /// counted from when the last response was handed to the connection.
    public var idleTimeoutSeconds: Int = 60
    /// Most connections open at once (`IOTFLOW_MAX_CONNECTIONS`); one more is accepted and closed at once.
    /// The default is `defaultMaxConnections(fileLimit:)` of this process's open-file limit.
    public var maxConnections: Int = Self.defaultMaxConnections(fileLimit: Self.openFileLimit())

    /// Most connections when nothing is configured, whatever the file limit.
    public static let defaultConnectionCap = 4096
    /// File descriptors kept back from connections for database files, store clients and the event loops' own.
    public static let reservedFileDescriptors = 256

    /// The defaults, with the connection cap derived from the process's open-file limit.
    public init() {}

    /// Reads the three variables; malformed or out-of-range values are errors, as elsewhere in `AppConfiguration`.
    public static func fromEnvironment(_ environment: [String: String]) throws -> ConnectionLimits {
        var limits = ConnectionLimits()
        if let text = environment["IOTFLOW_HEADER_TIMEOUT_SECONDS"], !text.isEmpty {
            limits.headerTimeoutSeconds = try EnvironmentValue.integer(text, name: "IOTFLOW_HEADER_TIMEOUT_SECONDS", range: 1...3600)
        }
        if let text = environment["IOTFLOW_IDLE_TIMEOUT_SECONDS"], !text.isEmpty {
            limits.idleTimeoutSeconds = try EnvironmentValue.integer(text, name: "IOTFLOW_IDLE_TIMEOUT_SECONDS", range: 1...86_400)
        }
        if let text = environment["IOTFLOW_MAX_CONNECTIONS"], !text.isEmpty {
            limits.maxConnections = try EnvironmentValue.integer(text, name: "IOTFLOW_MAX_CONNECTIONS", range: 1...1_000_000)
        }
        return limits
    }

    /// The connection cap for a process allowed `fileLimit` open files: `min(4096, fileLimit - reserve)` where the
    /// reserve is 256 descriptors, or half the limit when the limit is below 512, so a small limit still leaves
    /// room for both. Without a known limit, 4096.
    ///
    /// Running out of descriptors fails `accept` and database opens alike, so refusing connections somewhat
    /// early is the cheaper failure.
    public static func defaultMaxConnections(fileLimit: UInt64?) -> Int {
        guard let fileLimit else { return Self.defaultConnectionCap }
        let limit = Int(clamping: fileLimit)
        let reserve = min(Self.reservedFileDescriptors, limit / 2)
        return max(1, min(Self.defaultConnectionCap, limit - reserve))
    }

    /// The soft `RLIMIT_NOFILE` of this process, nil if it cannot be read.
    public static func openFileLimit() -> UInt64? {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return UInt64(limit.rlim_cur)
    }
}
