import Hummingbird
import IoTFlowCore

/// The answer of `GET /telemetry/{device_id}`: one entry per timestamp with the requested keys written at it.
struct HistoryResponse: ResponseEncodable, Sendable {
    let page: TelemetryService.HistoryPage

    init(_ page: TelemetryService.HistoryPage) {
        self.page = page
    }

    private enum Keys: String, CodingKey {
        case deviceID = "device_id", deviceName = "device_name", deviceType = "device_type", startTime = "start_time", endTime = "end_time"
        case data, count, next
    }

    private enum EntryKeys: String, CodingKey {
        case timestamp, measurements, metadata
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.page.device.id, forKey: .deviceID)
        try container.encode(self.page.device.name, forKey: .deviceName)
        try container.encode(self.page.device.deviceType, forKey: .deviceType)
        try container.encode(Timestamp(self.page.query.start), forKey: .startTime)
        try container.encode(Timestamp(self.page.query.end), forKey: .endTime)
        var data = container.nestedUnkeyedContainer(forKey: .data)
        for entry in self.page.entries {
            var object = data.nestedContainer(keyedBy: EntryKeys.self)
            try object.encode(Timestamp(entry.timestamp), forKey: .timestamp)
            try object.encode(KeyedValues(pairs: entry.measurements), forKey: .measurements)
            // Metadata was stored as compact JSON; it is only shown when asked for.
            if self.page.query.includeMetadata, let text = entry.metadata, let metadata = try? JSONParser.parse(text) {
                try object.encode(metadata, forKey: .metadata)
            }
        }
        try container.encode(self.page.entries.count, forKey: .count)
        try container.encodeIfPresent(self.page.next, forKey: .next)
    }
}
