import IoTFlowCore

/// The body of `DELETE /telemetry/{device_id}` (the same fields may come in the query instead).
struct TelemetryDeletionRequest: Decodable, Sendable {
    let start: TimeSpec?
    let stop: TimeSpec?
    let keys: [String]?

    private enum Keys: String, CodingKey { case startTime = "start_time", stopTime = "stop_time", keys }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.start = try Self.time(container, .startTime)
        self.stop = try Self.time(container, .stopTime)
        self.keys = try container.decodeIfPresent([String].self, forKey: .keys)
    }

    /// A time as a string expression or epoch milliseconds.
    private static func time(_ container: KeyedDecodingContainer<Keys>, _ key: Keys) throws -> TimeSpec? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        if let milliseconds = try? container.decode(Int64.self, forKey: key) {
            guard milliseconds >= 0 else { throw IoTFlowError.badRequest("Field '\(key.rawValue)' is before 1970.") }
            return .at(milliseconds: milliseconds)
        }
        guard let text = try? container.decode(String.self, forKey: key) else {
            throw IoTFlowError.badRequest("Field '\(key.rawValue)' must be a time: a string such as -1h or ISO 8601, or epoch milliseconds.")
        }
        guard let spec = TimeSpec(text) else {
            throw IoTFlowError.badRequest("'\(key.rawValue)' must be now, a relative time like -1h, ISO 8601 or epoch milliseconds.")
        }
        return spec
    }
}
