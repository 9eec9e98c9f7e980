/// What a stream was opened on.
enum LiveTarget: Sendable, Equatable {
    /// `/telemetry/{device_id}/stream`.
    case device(Int64)
    /// `/groups/{id}/stream`.
    case group(Int64)
    /// `/alerts/stream`.
    case alerts
}
