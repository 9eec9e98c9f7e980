import Hummingbird
import IoTFlowCore

/// The answer of `GET /telemetry/{device_id}`: one entry per timestamp with the requested keys written at it.
///
/// Written with the project's own JSON writer straight from the rows: on pages of up to 10,000 entries it takes
/// a sixth of the time of `JSONEncoder` (BENCHMARKS.md, "JSON and ISO 8601"), so this one hot answer is not a
/// Codable type. Its shape is checked against the OpenAPI document by the HTTP tests and schemathesis.
struct HistoryResponse: ResponseGenerator, Sendable {
    let page: TelemetryService.HistoryPage

    init(_ page: TelemetryService.HistoryPage) {
        self.page = page
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponseEncoder.response(self.bytes)
    }

    /// The JSON text.
    var bytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(192 + self.page.entries.count * 96)
        output.append(contentsOf: #"{"device_id":"#.utf8)
        output.append(contentsOf: String(self.page.device.id).utf8)
        output.append(contentsOf: #","device_name":"#.utf8)
        JSONWriter.write(.string(self.page.device.name), into: &output)
        output.append(contentsOf: #","device_type":"#.utf8)
        JSONWriter.write(.string(self.page.device.deviceType), into: &output)
        output.append(contentsOf: #","start_time":""#.utf8)
        // ISO 8601 timestamps need no escaping.
        ISO8601.write(milliseconds: self.page.query.start, into: &output)
        output.append(contentsOf: #"","end_time":""#.utf8)
        ISO8601.write(milliseconds: self.page.query.end, into: &output)
        output.append(contentsOf: #"","data":["#.utf8)
        var keys = KeyText()
        for (index, entry) in self.page.entries.enumerated() {
            output.append(contentsOf: index == 0 ? #"{"timestamp":""#.utf8 : #",{"timestamp":""#.utf8)
            ISO8601.write(milliseconds: entry.timestamp, into: &output)
            output.append(contentsOf: #"","measurements":{"#.utf8)
            for (offset, member) in entry.measurements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                keys.write(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                JSONWriter.write(member.value.json, into: &output)
            }
            output.append(UInt8(ascii: "}"))
            // Metadata is stored as compact JSON written by the same writer; it is only shown when asked for.
            if self.page.query.includeMetadata, let metadata = entry.metadata {
                output.append(contentsOf: #","metadata":"#.utf8)
                output.append(contentsOf: metadata.utf8)
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(contentsOf: #"],"count":"#.utf8)
        output.append(contentsOf: String(self.page.entries.count).utf8)
        if let next = self.page.next {
            output.append(contentsOf: #","next":"#.utf8)
            JSONWriter.write(.string(next), into: &output)
        }
        output.append(UInt8(ascii: "}"))
        return output
    }
}

/// The JSON text of the few keys a page repeats on every entry, escaped once: a page of 10,000 entries would
/// otherwise scan each key for characters to escape 10,000 times.
private struct KeyText {
    private var known: [(key: String, text: [UInt8])] = []

    mutating func write(_ key: String, into output: inout [UInt8]) {
        if let found = self.known.first(where: { $0.key == key }) {
            output.append(contentsOf: found.text)
            return
        }
        let text = JSONWriter.bytes(.string(key))
        // A page names at most the keys asked for; the bound only guards the linear search.
        if self.known.count < 32 { self.known.append((key, text)) }
        output.append(contentsOf: text)
    }
}
