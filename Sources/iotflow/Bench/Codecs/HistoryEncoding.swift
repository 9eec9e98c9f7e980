import Foundation
import IoTFlowCore

/// The `GET /telemetry/{device_id}` answer, encoded the three ways the history cases compare.
struct HistoryEncoding {
    let deviceID: Int64 = 7
    let deviceName = "greenhouse-sensor-7"
    let deviceType = "sensor"
    let start: Int64
    let end: Int64
    let entries: [TelemetryEntry]

    init(entries: [TelemetryEntry]) {
        self.entries = entries
        self.start = (entries.first?.timestamp ?? 0) - 1
        self.end = (entries.last?.timestamp ?? 0) + 1
    }

    /// What the server did before this measurement: a ``JSONValue`` tree, then ``JSONWriter``.
    func ownTree() -> [UInt8] {
        let data: [JSONValue] = self.entries.map { entry in
            .object([
                "timestamp": .string(ISO8601.format(milliseconds: entry.timestamp)),
                "measurements": .object(JSONObject(entry.measurements.map { (key: $0.key, value: $0.value.json) })),
            ])
        }
        let body: JSONObject = [
            "device_id": .int(self.deviceID), "device_name": .string(self.deviceName), "device_type": .string(self.deviceType),
            "start_time": .string(ISO8601.format(milliseconds: self.start)), "end_time": .string(ISO8601.format(milliseconds: self.end)),
            "data": .array(data), "count": .integer(data.count),
        ]
        return JSONWriter.bytes(.object(body))
    }

    /// Foundation `JSONEncoder` of Codable response structs, timestamps formatted beforehand (own ISO 8601).
    func codable(_ encoder: JSONEncoder) throws -> Data {
        let response = HistoryResponseBody(
            deviceID: self.deviceID, deviceName: self.deviceName, deviceType: self.deviceType,
            startTime: ISO8601.format(milliseconds: self.start), endTime: ISO8601.format(milliseconds: self.end),
            data: self.entries.map { HistoryEntryBody(timestamp: ISO8601.format(milliseconds: $0.timestamp), measurements: .init($0.measurements)) },
            count: self.entries.count
        )
        return try encoder.encode(response)
    }

    /// The own writer fed straight from the typed rows, without the intermediate ``JSONValue`` tree (what HistoryResponse does).
    func ownDirect() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(160 + self.entries.count * 96)
        output.append(contentsOf: #"{"device_id":"#.utf8)
        JSONWriter.write(.int(self.deviceID), into: &output)
        output.append(contentsOf: #","device_name":"#.utf8)
        JSONWriter.write(.string(self.deviceName), into: &output)
        output.append(contentsOf: #","device_type":"#.utf8)
        JSONWriter.write(.string(self.deviceType), into: &output)
        output.append(contentsOf: #","start_time":""#.utf8)
        output.append(contentsOf: ISO8601.format(milliseconds: self.start).utf8)
        output.append(contentsOf: #"","end_time":""#.utf8)
        output.append(contentsOf: ISO8601.format(milliseconds: self.end).utf8)
        output.append(contentsOf: #"","data":["#.utf8)
        for (index, entry) in self.entries.enumerated() {
            output.append(contentsOf: index == 0 ? #"{"timestamp":""#.utf8 : #",{"timestamp":""#.utf8)
            // ISO 8601 timestamps need no escaping.
            output.append(contentsOf: ISO8601.format(milliseconds: entry.timestamp).utf8)
            output.append(contentsOf: #"","measurements":{"#.utf8)
            for (offset, member) in entry.measurements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                JSONWriter.write(.string(member.key), into: &output)
                output.append(UInt8(ascii: ":"))
                JSONWriter.write(member.value.json, into: &output)
            }
            output.append(contentsOf: "}}".utf8)
        }
        output.append(contentsOf: #"],"count":"#.utf8)
        JSONWriter.write(.integer(self.entries.count), into: &output)
        output.append(UInt8(ascii: "}"))
        return output
    }
}

/// The history answer as a Codable response type.
struct HistoryResponseBody: Encodable {
    var deviceID: Int64
    var deviceName: String
    var deviceType: String
    var startTime: String
    var endTime: String
    var data: [HistoryEntryBody]
    var count: Int

    enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case deviceName = "device_name"
        case deviceType = "device_type"
        case startTime = "start_time"
        case endTime = "end_time"
        case data, count
    }
}

/// One history row.
struct HistoryEntryBody: Encodable {
    var timestamp: String
    var measurements: MeasurementsBody
}

/// Key → value with keys known only at run time.
struct MeasurementsBody: Encodable {
    var values: [(key: String, value: TelemetryValue)]

    init(_ values: [(key: String, value: TelemetryValue)]) {
        self.values = values
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicCodingKey.self)
        for (key, value) in self.values {
            let codingKey = DynamicCodingKey(stringValue: key)
            // Integral numbers print without a fraction, as TelemetryValue.json does.
            switch value.json {
            case .int(let int): try container.encode(int, forKey: codingKey)
            case .double(let double): try container.encode(double, forKey: codingKey)
            case .bool(let bool): try container.encode(bool, forKey: codingKey)
            case .string(let string): try container.encode(string, forKey: codingKey)
            default: try container.encodeNil(forKey: codingKey)
            }
        }
    }
}

/// A coding key made from any string.
struct DynamicCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        return nil
    }
}
