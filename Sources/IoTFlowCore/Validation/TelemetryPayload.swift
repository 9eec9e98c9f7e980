/// Turns a `POST /telemetry` body (or the same body published over MQTT) into a ``TelemetrySubmission``,
/// enforcing every shape and size rule of API.md before anything is stored. Times are parsed here and
/// resolved, checked and stamped by ``TelemetryService``.
public enum TelemetryPayload {
    /// Limits from API.md.
    public static let maxKeysPerPoint = 1000
    public static let maxPointsPerBatch = 10_000
    public static let maxStringBytes = 1024
    public static let maxMetadataBytes = 8192
    public static let maxKeyLength = 128

    /// Parses a single point (`{data, timestamp?, metadata?}`) or a batch (`{points: [...]}`).
    public static func submission(_ body: JSONValue) throws(IoTFlowError) -> TelemetrySubmission {
        guard case .object(let object) = body else {
            throw .badRequest("The request body must be a JSON object, not \(body.typeName).")
        }
        guard let points = object["points"] else {
            return TelemetrySubmission(points: [try Self.parsePoint(object, position: nil)])
        }
        guard object["data"] == nil else {
            throw .badRequest("Send either 'data' (one point) or 'points' (a batch), not both.")
        }
        guard case .array(let elements) = points else { throw .badRequest("'points' must be an array of point objects.") }
        guard !elements.isEmpty else { throw .badRequest("'points' must hold at least one point.") }
        guard elements.count <= Self.maxPointsPerBatch else {
            throw .badRequest("A batch holds at most \(Self.maxPointsPerBatch) points.")
        }
        var parsed: [SubmittedPoint] = []
        parsed.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .object(let object) = element else { throw .badRequest("points[\(index)] must be an object.") }
            parsed.append(try Self.parsePoint(object, position: index))
        }
        return TelemetrySubmission(points: parsed)
    }

    /// Checks a telemetry key: 1–128 characters of `[A-Za-z0-9_.:/-]`.
    public static func isValidKey(_ key: String) -> Bool {
        guard (1...Self.maxKeyLength).contains(key.utf8.count) else { return false }
        return key.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "-")
        }
    }

    private static func parsePoint(_ object: JSONObject, position: Int?) throws(IoTFlowError) -> SubmittedPoint {
        let prefix = position.map { "points[\($0)]." } ?? ""
        guard let data = object["data"] else { throw .badRequest("Field '\(prefix)data' is required.") }
        guard case .object(let measurements) = data else {
            throw .badRequest("Field '\(prefix)data' must be an object of key: value pairs.")
        }
        let values = try Self.measurements(measurements, field: "\(prefix)data")
        let timestamp = try Self.parseTimestamp(object["timestamp"], field: "\(prefix)timestamp")
        var metadata: String?
        switch object["metadata"] {
        case nil, .null?: metadata = nil
        case .object(let meta)?:
            let text = JSONWriter.string(.object(meta))
            guard text.utf8.count <= Self.maxMetadataBytes else {
                throw .badRequest("Field '\(prefix)metadata' is larger than \(Self.maxMetadataBytes) bytes.")
            }
            metadata = meta.isEmpty ? nil : text
        case let other?: throw .badRequest("Field '\(prefix)metadata' must be an object, not \(other.typeName).")
        }
        return SubmittedPoint(timestamp: timestamp, values: values, metadata: metadata)
    }

    /// Checks a point's `key: value` pairs (null values are skipped, not stored); `field` names them in errors.
    static func measurements(_ measurements: JSONObject, field: String) throws(IoTFlowError) -> [(key: String, value: TelemetryValue)] {
        guard !measurements.isEmpty else { throw .badRequest("Field '\(field)' must hold at least one value.") }
        guard measurements.count <= Self.maxKeysPerPoint else {
            throw .badRequest("A point holds at most \(Self.maxKeysPerPoint) keys.")
        }
        var values: [(key: String, value: TelemetryValue)] = []
        values.reserveCapacity(measurements.count)
        for (key, value) in measurements.members {
            guard Self.isValidKey(key) else {
                throw .badRequest("Key '\(field).\(key.prefix(40))' is invalid: use 1-128 characters of A-Z a-z 0-9 _ . : / -.")
            }
            switch value {
            case .null: continue
            case .bool(let bool): values.append((key, .bool(bool)))
            case .int(let int): values.append((key, .number(Double(int))))
            case .double(let double): values.append((key, .number(double)))
            case .string(let string):
                guard string.utf8.count <= Self.maxStringBytes else {
                    throw .badRequest("Value of '\(key)' is longer than \(Self.maxStringBytes) bytes.")
                }
                values.append((key, .string(string)))
            case .array, .object:
                throw .badRequest("Value of '\(key)' must be a number, boolean or string, not \(value.typeName).")
            }
        }
        return values
    }

    static func parseTimestamp(_ value: JSONValue?, field: String) throws(IoTFlowError) -> TimeSpec? {
        let spec: TimeSpec?
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: spec = TimeSpec(text)
        case .int(let milliseconds)?: spec = .at(milliseconds: milliseconds)
        case .double(let double)? where double.rounded() == double && abs(double) < 9e15: spec = .at(milliseconds: Int64(double))
        default: spec = nil
        }
        guard let spec else { throw .badRequest("Field '\(field)' must be ISO 8601, epoch milliseconds or a relative time like -5m.") }
        return spec
    }
}
