import IoTFlowCore
import MongoNIO

/// Which MongoDB failures mean "the event store cannot serve right now" rather than "this command is wrong".
enum MongoOutage {
    /// Failures of reaching MongoDB at all (down, slow, refusing our credentials, answering garbage), as opposed to a
    /// command it refused.
    static let unavailable: Set<MongoError.Code> = [
        .timeout, .connectionClosed, .connectionUnavailable, .noPrimary, .clientShutDown, .authenticationFailed, .protocolViolation,
    ]

    /// Runs `body`, turning outages (no server, lost or timed-out connections) into the domain's
    /// ``IoTFlowError/unavailable(_:)``, so the event log answers 503; other errors pass through.
    static func translating<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as MongoError where Self.unavailable.contains(error.code) {
            throw IoTFlowError.unavailable("The event log (MongoDB) cannot serve this request right now; retry shortly.")
        }
    }
}
