import IoTFlowCore

/// The text of the frames a stream sends (API.md "Live streams"): one JSON object each.
enum LiveFrame {
    /// `{"type":"pong"}`, the answer to a client's `{"type":"ping"}`.
    static let pong = #"{"type":"pong"}"#

    /// One stored point: `{"type":"telemetry","device_id","timestamp","measurements":{key: value}}`.
    static func telemetry(deviceID: Int64, timestamp: Int64, measurements: [(key: String, value: TelemetryValue)]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(96 + measurements.count * 24)
        output.append(contentsOf: #"{"type":"telemetry","device_id":"#.utf8)
        output.append(contentsOf: String(deviceID).utf8)
        output.append(contentsOf: #","timestamp":"#.utf8)
        JSONText.time(timestamp, into: &output)
        output.append(contentsOf: #","measurements":{"#.utf8)
        for (offset, measurement) in measurements.enumerated() {
            if offset > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.write(.string(measurement.key), into: &output)
            output.append(UInt8(ascii: ":"))
            JSONWriter.write(measurement.value.json, into: &output)
        }
        output.append(contentsOf: "}}".utf8)
        return String(decoding: output, as: UTF8.self)
    }

    /// The telemetry frames of committed writes, per device in first-appearance order and per device in timestamp
    /// order: one frame per stored point, so values a batch wrote at one timestamp of one device are merged (the
    /// later write wins, as in the store) and keys are sorted as in history answers. `devices` limits the devices.
    static func telemetry(of writes: [TelemetryWrite], devices: Set<Int64>? = nil) -> [(deviceID: Int64, frames: [String])] {
        var order: [Int64] = []
        var points: [Int64: [Int64: [String: TelemetryValue]]] = [:]
        for write in writes where devices?.contains(write.deviceID) ?? true {
            if points[write.deviceID] == nil { order.append(write.deviceID) }
            for point in write.points where !point.values.isEmpty {
                for (key, value) in point.values {
                    points[write.deviceID, default: [:]][point.timestamp, default: [:]][key] = value
                }
            }
        }
        return order.map { deviceID in
            let byTimestamp = points[deviceID] ?? [:]
            let frames = byTimestamp.keys.sorted().map { timestamp in
                let values = (byTimestamp[timestamp] ?? [:]).sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
                return Self.telemetry(deviceID: deviceID, timestamp: timestamp, measurements: values)
            }
            return (deviceID, frames)
        }
    }

    /// An alert that fired, was acknowledged or resolved: `{"type":"alert","alert":{…}}`.
    static func alert(_ alert: Alert) -> String {
        JSONWriter.string(.object(JSONObject([("type", .string("alert")), ("alert", AlertRepresentation(alert).json)])))
    }

    /// `{"type":"dropped","count":n}`: this many messages were dropped because the client read too slowly.
    static func dropped(_ count: Int) -> String {
        #"{"type":"dropped","count":"# + String(count) + "}"
    }

    /// Whether a client's text frame is `{"type":"ping"}` (other members allowed); anything else is ignored.
    static func isPing(_ text: String) -> Bool {
        guard case .object(let object) = try? JSONParser.parse(text) else { return false }
        return object["type"] == .string("ping")
    }
}
