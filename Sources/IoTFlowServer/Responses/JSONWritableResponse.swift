import Hummingbird
import IoTFlowCore

/// An answer written with the project's own JSON writer instead of `JSONEncoder`: only the answers of the hot
/// routes (telemetry written, latest values, history), where BENCHMARKS.md measured `JSONEncoder` at three to
/// four times the cost ("JSON and ISO 8601") and the HTTP bench showed it in the request rate. Their shapes are
/// checked against the OpenAPI document by the HTTP tests and by schemathesis like every other answer.
protocol JSONWritableResponse: ResponseGenerator, Sendable {
    /// Appends the answer's JSON text.
    func writeJSON(into output: inout [UInt8])
}

extension JSONWritableResponse {
    func response(from request: Request, context: some RequestContext) throws -> Response {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        self.writeJSON(into: &output)
        return JSONResponseEncoder.response(output)
    }
}

/// Small pieces of JSON text for ``JSONWritableResponse``s.
enum JSONText {
    /// An ISO 8601 timestamp in quotes (it needs no escaping), or `null`.
    static func time(_ milliseconds: Int64?, into output: inout [UInt8]) {
        guard let milliseconds else {
            output.append(contentsOf: "null".utf8)
            return
        }
        output.append(UInt8(ascii: "\""))
        ISO8601.write(milliseconds: milliseconds, into: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// Latest values as `{"key": value}` and `{"key": timestamp}` objects, keys sorted.
    static func latest(_ values: [LatestValue]) -> (data: [UInt8], timestamps: [UInt8]) {
        let sorted = values.sorted { $0.key < $1.key }
        var data: [UInt8] = [UInt8(ascii: "{")]
        var timestamps: [UInt8] = [UInt8(ascii: "{")]
        for (offset, value) in sorted.enumerated() {
            if offset > 0 {
                data.append(UInt8(ascii: ","))
                timestamps.append(UInt8(ascii: ","))
            }
            JSONWriter.write(.string(value.key), into: &data)
            data.append(UInt8(ascii: ":"))
            JSONWriter.write(value.value.json, into: &data)
            JSONWriter.write(.string(value.key), into: &timestamps)
            timestamps.append(UInt8(ascii: ":"))
            Self.time(value.timestamp, into: &timestamps)
        }
        data.append(UInt8(ascii: "}"))
        timestamps.append(UInt8(ascii: "}"))
        return (data, timestamps)
    }
}
