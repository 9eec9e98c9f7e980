import IoTFlowCore

/// The formats of `GET /telemetry/{device_id}/export`: one line per value, oldest first.
enum ExportFormat: String {
    /// `timestamp,key,value` with a header line (RFC 4180: fields holding a comma, quote or line break are quoted).
    case csv
    /// One JSON object `{"timestamp","key","value"}` per line.
    case ndjson

    var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .ndjson: "application/x-ndjson"
        }
    }

    /// What comes before the first line.
    var header: String {
        switch self {
        case .csv: "timestamp,key,value\n"
        case .ndjson: ""
        }
    }

    /// Appends the lines of one page of entries (their measurements are in key order); answers how many values.
    @discardableResult
    func write(_ entries: [TelemetryEntry], into output: inout [UInt8]) -> Int {
        var values = 0
        var time: [UInt8] = []
        time.reserveCapacity(32)
        for entry in entries {
            values += entry.measurements.count
            time.removeAll(keepingCapacity: true)
            ISO8601.write(milliseconds: entry.timestamp, into: &time)
            for (key, value) in entry.measurements {
                switch self {
                case .csv:
                    output.append(contentsOf: time)
                    output.append(UInt8(ascii: ","))
                    Self.csvField(key, into: &output)
                    output.append(UInt8(ascii: ","))
                    switch value {
                    case .string(let text): Self.csvField(text, into: &output)
                    default: JSONWriter.write(value.json, into: &output)
                    }
                case .ndjson:
                    output.append(contentsOf: #"{"timestamp":""#.utf8)
                    output.append(contentsOf: time)
                    output.append(contentsOf: #"","key":"#.utf8)
                    JSONWriter.write(.string(key), into: &output)
                    output.append(contentsOf: #","value":"#.utf8)
                    JSONWriter.write(value.json, into: &output)
                    output.append(UInt8(ascii: "}"))
                }
                output.append(UInt8(ascii: "\n"))
            }
        }
        return values
    }

    /// A CSV field, quoted (quotes doubled) only when it must be.
    private static func csvField(_ text: String, into output: inout [UInt8]) {
        let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard needsQuotes else {
            output.append(contentsOf: text.utf8)
            return
        }
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") { output.append(byte) }
            output.append(byte)
        }
        output.append(UInt8(ascii: "\""))
    }
}
