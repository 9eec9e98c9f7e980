import IoTFlowCore

/// Checks, before anything is timed, that the variants of a case produce the same result.
enum CodecEquivalence {
    /// Points compared as sets of values: the Foundation variants decode `data` into dictionaries, which do
    /// not keep the document's key order. Metadata is compared as parsed JSON.
    static func canonical(_ points: [TelemetryPoint]) -> [TelemetryPoint] {
        points.map { point in
            TelemetryPoint(
                timestamp: point.timestamp, values: point.values.sorted { $0.key < $1.key },
                metadata: point.metadata.map { Self.canonicalJSON($0) }
            )
        }
    }

    /// JSON text with object members sorted by key and every number as a double, so encoders that differ
    /// in member order, escaping or number spelling compare equal when they say the same thing.
    static func canonicalJSON(_ text: String) -> String {
        guard let value = try? JSONParser.parse(text) else { return "invalid JSON: \(text)" }
        return JSONWriter.string(Self.canonical(value))
    }

    static func canonicalJSON(_ bytes: [UInt8]) -> String {
        Self.canonicalJSON(String(decoding: bytes, as: UTF8.self))
    }

    private static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .int(let int): .double(Double(int))
        case .array(let elements): .array(elements.map(Self.canonical))
        case .object(let object):
            .object(JSONObject(object.members.sorted { $0.key < $1.key }.map { (key: $0.key, value: Self.canonical($0.value)) }))
        default: value
        }
    }

    /// Throws when `results` (variant name → result) do not all equal the first.
    static func require<T: Equatable>(_ what: String, _ results: [(String, T)]) throws {
        guard let (reference, expected) = results.first else { return }
        for (name, result) in results.dropFirst() where result != expected {
            throw BenchError("\(what): \(name) does not produce what \(reference) produces")
        }
    }
}
