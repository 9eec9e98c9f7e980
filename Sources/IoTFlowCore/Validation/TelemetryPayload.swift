/// Turns a `POST /telemetry` body into points, enforcing every rule of API.md before anything is stored.
public enum TelemetryPayload {
    /// Limits from API.md.
    public static let maxKeysPerPoint = 1000
    public static let maxPointsPerBatch = 10_000
    public static let maxStringBytes = 1024
    public static let maxMetadataBytes = 8192
    public static let maxKeyLength = 128
    static let maxFutureMilliseconds: Int64 = 86_400_000

    /// Parses a single point (`{data, timestamp?, metadata?}`) or a batch (`{points: [...]}`).
    public static func parse(_ body: JSONValue, now: Int64) throws(IoTFlowError) -> [TelemetryPoint] {
        let reader = try FieldReader(body: body)
        guard let points = reader.object["points"] else {
            return [try Self.parsePoint(reader.object, now: now, position: nil)]
        }
        guard reader.object["data"] == nil else {
            throw .badRequest("Send either 'data' (one point) or 'points' (a batch), not both.")
        }
        guard case .array(let elements) = points else { throw .badRequest("'points' must be an array of point objects.") }
        guard !elements.isEmpty else { throw .badRequest("'points' must hold at least one point.") }
        guard elements.count <= Self.maxPointsPerBatch else {
            throw .badRequest("A batch holds at most \(Self.maxPointsPerBatch) points.")
        }
        var parsed: [TelemetryPoint] = []
        parsed.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .object(let object) = element else { throw .badRequest("points[\(index)] must be an object.") }
            parsed.append(try Self.parsePoint(object, now: now, position: index))
        }
        return parsed
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

    private static func parsePoint(_ object: JSONObject, now: Int64, position: Int?) throws(IoTFlowError) -> TelemetryPoint {
        let prefix = position.map { "points[\($0)]." } ?? ""
        guard let data = object["data"] else { throw .badRequest("Field '\(prefix)data' is required.") }
        guard case .object(let measurements) = data else {
            throw .badRequest("Field '\(prefix)data' must be an object of key: value pairs.")
        }
        guard !measurements.isEmpty else { throw .badRequest("Field '\(prefix)data' must hold at least one value.") }
        guard measurements.count <= Self.maxKeysPerPoint else {
            throw .badRequest("A point holds at most \(Self.maxKeysPerPoint) keys.")
        }
        var values: [(key: String, value: TelemetryValue)] = []
        values.reserveCapacity(measurements.count)
        for (key, value) in measurements.members {
            guard Self.isValidKey(key) else {
                throw .badRequest("Key '\(prefix)data.\(key.prefix(40))' is invalid: use 1-128 characters of A-Z a-z 0-9 _ . : / -.")
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
        let timestamp = try Self.parseTimestamp(object["timestamp"], now: now, field: "\(prefix)timestamp")
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
        return TelemetryPoint(timestamp: timestamp, values: values, metadata: metadata)
    }

    private static func parseTimestamp(_ value: JSONValue?, now: Int64, field: String) throws(IoTFlowError) -> Int64 {
        guard let value, value != .null else { return now }
        guard let timestamp = TimeExpression.resolve(value, now: now) else {
            throw .badRequest("Field '\(field)' must be ISO 8601, epoch milliseconds or a relative time like -5m.")
        }
        guard timestamp >= 0 else { throw .badRequest("Field '\(field)' is before 1970.") }
        guard timestamp <= now + Self.maxFutureMilliseconds else {
            throw .badRequest("Field '\(field)' is more than one day in the future.")
        }
        return timestamp
    }
}
