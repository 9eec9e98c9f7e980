import CassandraNIO
import IoTFlowCore

/// Which Cassandra failures mean "the cluster cannot serve right now" rather than "this statement is wrong".
enum CassandraOutage {
    /// Runs `body`, turning outages (no node, lost or timed-out connections, Unavailable, Overloaded, read and write
    /// timeouts) into the domain's ``IoTFlowError/unavailable(_:)``; other errors pass through.
    static func translating<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as CassandraError where error.isUnavailable {
            throw IoTFlowError.unavailable("Telemetry storage (Cassandra) cannot serve this request right now; retry shortly.")
        }
    }
}
