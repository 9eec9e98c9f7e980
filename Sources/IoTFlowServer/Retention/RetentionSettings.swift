import IoTFlowCore

/// How long telemetry is kept (`TELEMETRY_RETENTION_DAYS`, `ROLLUP_RETENTION_DAYS`; 0 keeps forever) and how often the
/// sweeper runs (`IOTFLOW_RETENTION_INTERVAL_SECONDS`).
public struct RetentionSettings: Sendable, Equatable {
    /// Days raw values are kept; 0 keeps them.
    public var telemetryDays: Int = 0
    /// Days rollups are kept; 0 keeps them.
    public var rollupDays: Int = 0
    /// Seconds between sweeps (one also runs at start).
    public var intervalSeconds: Int = 3600
    /// Values or rollups removed per transaction: a write waits for at most one chunk.
    public var chunkSize: Int = 1000

    public init() {}

    /// Whether anything ever expires.
    public var isEnabled: Bool { self.telemetryDays > 0 || self.rollupDays > 0 }

    /// Reads the variables; rollups must outlive raw values, or aggregations of ranges whose rollups expired first
    /// would come back empty while their points still exist.
    public static func parse(_ environment: [String: String]) throws -> RetentionSettings {
        var settings = RetentionSettings()
        if let text = environment["TELEMETRY_RETENTION_DAYS"], !text.isEmpty {
            settings.telemetryDays = try EnvironmentValue.integer(text, name: "TELEMETRY_RETENTION_DAYS", range: 0...36_500)
        }
        if let text = environment["ROLLUP_RETENTION_DAYS"], !text.isEmpty {
            settings.rollupDays = try EnvironmentValue.integer(text, name: "ROLLUP_RETENTION_DAYS", range: 0...36_500)
        }
        if let text = environment["IOTFLOW_RETENTION_INTERVAL_SECONDS"], !text.isEmpty {
            settings.intervalSeconds = try EnvironmentValue.integer(text, name: "IOTFLOW_RETENTION_INTERVAL_SECONDS", range: 1...86_400 * 7)
        }
        if settings.rollupDays > 0, settings.telemetryDays == 0 || settings.rollupDays < settings.telemetryDays {
            throw ConfigurationError(
                message: "ROLLUP_RETENTION_DAYS (\(settings.rollupDays)) must be 0 (keep forever) or at least TELEMETRY_RETENTION_DAYS "
                    + "(\(settings.telemetryDays == 0 ? "0, forever" : String(settings.telemetryDays))): rollups answer for expired points")
        }
        return settings
    }
}
