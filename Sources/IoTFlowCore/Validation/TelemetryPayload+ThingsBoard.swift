extension TelemetryPayload {
    /// Parses ThingsBoard's device telemetry payloads, as devices publish them on `v1/devices/me/telemetry`:
    /// `{"temperature": 21.5}` (stamped with the server's time), `{"ts": <epoch ms>, "values": {…}}`, or a non-empty
    /// array of those. Keys, values and sizes follow the same rules as `POST /telemetry`.
    public static func thingsBoard(_ body: JSONValue) throws(IoTFlowError) -> TelemetrySubmission {
        switch body {
        case .object(let object):
            return TelemetrySubmission(points: [try Self.thingsBoardPoint(object, position: nil)])
        case .array(let elements):
            guard !elements.isEmpty else { throw .badRequest("The array must hold at least one point.") }
            guard elements.count <= Self.maxPointsPerBatch else {
                throw .badRequest("A batch holds at most \(Self.maxPointsPerBatch) points.")
            }
            var points: [SubmittedPoint] = []
            points.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard case .object(let object) = element else { throw .badRequest("[\(index)] must be an object.") }
                points.append(try Self.thingsBoardPoint(object, position: index))
            }
            return TelemetrySubmission(points: points)
        default:
            throw .badRequest("The payload must be a JSON object or an array of objects, not \(body.typeName).")
        }
    }

    /// ThingsBoard's rule: an object with both `ts` and `values` is a dated point, any other object is the values.
    private static func thingsBoardPoint(_ object: JSONObject, position: Int?) throws(IoTFlowError) -> SubmittedPoint {
        let prefix = position.map { "[\($0)]." } ?? ""
        guard let timestamp = object["ts"], let values = object["values"] else {
            return SubmittedPoint(timestamp: nil, values: try Self.measurements(object, field: position.map { "[\($0)]" } ?? "payload"))
        }
        guard case .object(let measurements) = values else {
            throw .badRequest("Field '\(prefix)values' must be an object of key: value pairs.")
        }
        guard case .int = timestamp else {
            throw .badRequest("Field '\(prefix)ts' must be epoch milliseconds (an integer).")
        }
        return SubmittedPoint(
            timestamp: try Self.parseTimestamp(timestamp, field: "\(prefix)ts"),
            values: try Self.measurements(measurements, field: "\(prefix)values")
        )
    }
}
