import IoTFlowCore
import Testing

@testable import IoTFlowServer

@Suite("Retention settings")
struct RetentionSettingsTests {
    @Test("defaults keep everything and sweep hourly; the variables set each figure")
    func defaultsAndVariables() throws {
        let defaults = try AppConfiguration.fromEnvironment([:]).retention
        #expect(defaults.telemetryDays == 0 && defaults.rollupDays == 0 && defaults.intervalSeconds == 3600 && !defaults.isEnabled)
        let set = try AppConfiguration.fromEnvironment([
            "TELEMETRY_RETENTION_DAYS": "30", "ROLLUP_RETENTION_DAYS": "365", "IOTFLOW_RETENTION_INTERVAL_SECONDS": "600",
        ]).retention
        #expect(set.telemetryDays == 30 && set.rollupDays == 365 && set.intervalSeconds == 600 && set.isEnabled)
        // Raw values expire while rollups stay forever.
        #expect(try AppConfiguration.fromEnvironment(["TELEMETRY_RETENTION_DAYS": "7"]).retention.rollupDays == 0)
    }

    @Test("malformed values, and rollups that would expire before the points they summarise, are refused")
    func refused() {
        let bad: [([String: String], String)] = [
            (["TELEMETRY_RETENTION_DAYS": "-1"], "TELEMETRY_RETENTION_DAYS"),
            (["TELEMETRY_RETENTION_DAYS": "a week"], "TELEMETRY_RETENTION_DAYS"),
            (["ROLLUP_RETENTION_DAYS": "36501"], "ROLLUP_RETENTION_DAYS"),
            (["IOTFLOW_RETENTION_INTERVAL_SECONDS": "0"], "IOTFLOW_RETENTION_INTERVAL_SECONDS"),
            (["TELEMETRY_RETENTION_DAYS": "30", "ROLLUP_RETENTION_DAYS": "7"], "at least TELEMETRY_RETENTION_DAYS"),
            (["ROLLUP_RETENTION_DAYS": "7"], "at least TELEMETRY_RETENTION_DAYS"),
        ]
        for (environment, message) in bad {
            let error = #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment(environment) }
            #expect(error?.message.contains(message) == true, "\(environment): \(error?.message ?? "")")
        }
    }
}
