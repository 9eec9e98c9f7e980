import Foundation
import IoTFlowCore
import NIOCore

/// The three ways of turning a `POST /telemetry` body into validated points that the ingest cases compare.
///
/// All three apply the rules of ``TelemetryPayload`` (keys, limits, string sizes, timestamps); the two
/// Foundation variants restate them over their own input types.
enum IngestDecoding {
    /// What the server does: own parser into ``JSONValue``, then ``TelemetryPayload/submission(_:)`` and dating.
    static func own(_ body: ByteBuffer, now: Int64) throws -> [TelemetryPoint] {
        try TelemetryPayload.submission(try JSONParser.parse(body.readableBytesView)).dated(now: now, firstStamp: now)
    }

    /// Foundation `JSONDecoder` into ``TelemetryRequestBody``, then the same validation.
    static func codable(_ body: ByteBuffer, now: Int64, decoder: JSONDecoder, encoder: JSONEncoder) throws -> [TelemetryPoint] {
        let request = try decoder.decode(TelemetryRequestBody.self, from: Data(body.readableBytesView))
        guard let points = request.points else {
            return [try Self.point(data: request.data, timestamp: request.timestamp, metadata: request.metadata, now: now, encoder: encoder)]
        }
        guard request.data == nil else { throw IoTFlowError.badRequest("Send either 'data' (one point) or 'points' (a batch), not both.") }
        try Self.checkBatchSize(points.count)
        return try points.map { try Self.point(data: $0.data, timestamp: $0.timestamp, metadata: $0.metadata, now: now, encoder: encoder) }
    }

    /// Foundation `JSONSerialization` into `[String: Any]`, then the same validation.
    static func serialization(_ body: ByteBuffer, now: Int64) throws -> [TelemetryPoint] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw IoTFlowError.badRequest("The request body must be a JSON object.")
        }
        guard let points = object["points"] else { return [try Self.point(object, now: now)] }
        guard object["data"] == nil else { throw IoTFlowError.badRequest("Send either 'data' (one point) or 'points' (a batch), not both.") }
        guard let elements = points as? [Any] else { throw IoTFlowError.badRequest("'points' must be an array of point objects.") }
        try Self.checkBatchSize(elements.count)
        return try elements.map { element in
            guard let point = element as? [String: Any] else { throw IoTFlowError.badRequest("points[] must be an object.") }
            return try Self.point(point, now: now)
        }
    }

    private static func checkBatchSize(_ count: Int) throws {
        guard count > 0 else { throw IoTFlowError.badRequest("'points' must hold at least one point.") }
        guard count <= TelemetryPayload.maxPointsPerBatch else {
            throw IoTFlowError.badRequest("A batch holds at most \(TelemetryPayload.maxPointsPerBatch) points.")
        }
    }

    private static func point(
        data: [String: TelemetryFieldValue]?, timestamp: TimestampField?, metadata: FreeJSON?, now: Int64, encoder: JSONEncoder
    ) throws -> TelemetryPoint {
        guard let data else { throw IoTFlowError.badRequest("Field 'data' is required.") }
        try Self.checkKeyCount(data.count)
        var values: [(key: String, value: TelemetryValue)] = []
        values.reserveCapacity(data.count)
        for (key, value) in data {
            try Self.checkKey(key)
            switch value {
            case .null: continue
            case .number(let number): values.append((key, .number(number)))
            case .bool(let bool): values.append((key, .bool(bool)))
            case .string(let string): values.append((key, .string(try Self.checked(string, key: key))))
            }
        }
        let text: String?
        switch metadata {
        case nil, .null?: text = nil
        case .object(let object)?: text = object.isEmpty ? nil : try Self.checkedMetadata(String(decoding: encoder.encode(object), as: UTF8.self))
        case .some: throw IoTFlowError.badRequest("Field 'metadata' must be an object.")
        }
        return TelemetryPoint(timestamp: try Self.timestamp(timestamp?.json, now: now), values: values, metadata: text)
    }

    private static func point(_ object: [String: Any], now: Int64) throws -> TelemetryPoint {
        guard let data = object["data"] as? [String: Any] else { throw IoTFlowError.badRequest("Field 'data' must be an object.") }
        try Self.checkKeyCount(data.count)
        var values: [(key: String, value: TelemetryValue)] = []
        values.reserveCapacity(data.count)
        for (key, value) in data {
            try Self.checkKey(key)
            switch value {
            case is NSNull: continue
            case let string as String: values.append((key, .string(try Self.checked(string, key: key))))
            case let number as NSNumber:
                values.append((key, Self.isBoolean(number) ? .bool(number.boolValue) : .number(number.doubleValue)))
            default: throw IoTFlowError.badRequest("Value of '\(key)' must be a number, boolean or string.")
            }
        }
        let timestamp: JSONValue?
        switch object["timestamp"] {
        case nil, is NSNull: timestamp = nil
        case let text as String: timestamp = .string(text)
        case let number as NSNumber where !Self.isBoolean(number):
            timestamp = Self.isFloatingPoint(number) ? .double(number.doubleValue) : .int(number.int64Value)
        default: timestamp = .bool(false)  // rejected by TimeExpression like any other type
        }
        let metadata: String?
        switch object["metadata"] {
        case nil, is NSNull: metadata = nil
        case let meta as [String: Any]:
            metadata =
                meta.isEmpty ? nil : try Self.checkedMetadata(String(decoding: JSONSerialization.data(withJSONObject: meta), as: UTF8.self))
        default: throw IoTFlowError.badRequest("Field 'metadata' must be an object.")
        }
        return TelemetryPoint(timestamp: try Self.timestamp(timestamp, now: now), values: values, metadata: metadata)
    }

    /// `JSONSerialization` gives booleans as `NSNumber`s of ObjC type `c` (char).
    private static func isBoolean(_ number: NSNumber) -> Bool {
        number.objCType.pointee == CChar(UInt8(ascii: "c"))
    }

    private static func isFloatingPoint(_ number: NSNumber) -> Bool {
        let type = number.objCType.pointee
        return type == CChar(UInt8(ascii: "d")) || type == CChar(UInt8(ascii: "f"))
    }

    private static func checkKeyCount(_ count: Int) throws {
        guard count > 0 else { throw IoTFlowError.badRequest("Field 'data' must hold at least one value.") }
        guard count <= TelemetryPayload.maxKeysPerPoint else {
            throw IoTFlowError.badRequest("A point holds at most \(TelemetryPayload.maxKeysPerPoint) keys.")
        }
    }

    private static func checkKey(_ key: String) throws {
        guard TelemetryPayload.isValidKey(key) else {
            throw IoTFlowError.badRequest("Key '\(key.prefix(40))' is invalid: use 1-128 characters of A-Z a-z 0-9 _ . : / -.")
        }
    }

    private static func checked(_ string: String, key: String) throws -> String {
        guard string.utf8.count <= TelemetryPayload.maxStringBytes else {
            throw IoTFlowError.badRequest("Value of '\(key)' is longer than \(TelemetryPayload.maxStringBytes) bytes.")
        }
        return string
    }

    private static func checkedMetadata(_ text: String) throws -> String {
        guard text.utf8.count <= TelemetryPayload.maxMetadataBytes else {
            throw IoTFlowError.badRequest("Field 'metadata' is larger than \(TelemetryPayload.maxMetadataBytes) bytes.")
        }
        return text
    }

    /// The timestamp rules of ``TelemetryPayload``: any ``TimeExpression``, not before 1970, at most a day ahead.
    private static func timestamp(_ value: JSONValue?, now: Int64) throws -> Int64 {
        guard let value else { return now }
        guard let timestamp = TimeExpression.resolve(value, now: now) else {
            throw IoTFlowError.badRequest("Field 'timestamp' must be ISO 8601, epoch milliseconds or a relative time like -5m.")
        }
        guard timestamp >= 0 else { throw IoTFlowError.badRequest("Field 'timestamp' is before 1970.") }
        // TelemetryPayload.maxFutureMilliseconds: one day.
        guard timestamp <= now + 86_400_000 else { throw IoTFlowError.badRequest("Field 'timestamp' is more than one day in the future.") }
        return timestamp
    }
}
