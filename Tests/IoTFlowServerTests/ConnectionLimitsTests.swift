import IoTFlowCore
import Testing

@testable import IoTFlowServer

/// `IOTFLOW_HEADER_TIMEOUT_SECONDS`, `IOTFLOW_IDLE_TIMEOUT_SECONDS`, `IOTFLOW_MAX_CONNECTIONS` and the default cap.
@Suite("Connection limits: settings from the environment")
struct ConnectionLimitsTests {
    @Test("defaults: 10 s header, 60 s idle, the cap from the file limit")
    func defaults() throws {
        let limits = try AppConfiguration.fromEnvironment([:]).connectionLimits
        #expect(limits.headerTimeoutSeconds == 10)
        #expect(limits.idleTimeoutSeconds == 60)
        #expect(limits.maxConnections == ConnectionLimits.defaultMaxConnections(fileLimit: ConnectionLimits.openFileLimit()))
        #expect(ConnectionLimits.openFileLimit() != nil, "getrlimit(RLIMIT_NOFILE) failed")
    }

    @Test("the variables set the limits")
    func fromEnvironment() throws {
        let limits = try AppConfiguration.fromEnvironment([
            "IOTFLOW_HEADER_TIMEOUT_SECONDS": "5", "IOTFLOW_IDLE_TIMEOUT_SECONDS": "30", "IOTFLOW_MAX_CONNECTIONS": "100",
        ]).connectionLimits
        #expect(limits.headerTimeoutSeconds == 5)
        #expect(limits.idleTimeoutSeconds == 30)
        #expect(limits.maxConnections == 100)
    }

    @Test(
        "malformed and out-of-range values are configuration errors naming the variable",
        arguments: [
            ("IOTFLOW_HEADER_TIMEOUT_SECONDS", "0"), ("IOTFLOW_HEADER_TIMEOUT_SECONDS", "ten"), ("IOTFLOW_HEADER_TIMEOUT_SECONDS", "3601"),
            ("IOTFLOW_IDLE_TIMEOUT_SECONDS", "0"), ("IOTFLOW_IDLE_TIMEOUT_SECONDS", "-5"), ("IOTFLOW_MAX_CONNECTIONS", "0"),
            ("IOTFLOW_MAX_CONNECTIONS", "1.5"),
        ]
    )
    func invalid(name: String, value: String) {
        let error = #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment([name: value]) }
        #expect(error?.message.contains(name) == true)
    }

    @Test("the default cap is 4096 or the file limit less a reserve of 256, or of half a small limit")
    func defaultCap() {
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 1024) == 768)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 4096) == 3840)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 20_000) == 4096)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: UInt64.max) == 4096)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 256) == 128)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 1) == 1)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: nil) == 4096)
    }
}
