import Foundation

/// What one `iotflow bench cql` run measured, printed as tables or encoded as one JSON document.
struct CQLBenchReport: Sendable, Codable {
    var machine: MachineFacts
    /// Measured seconds per codec case and per peer concurrency level.
    var seconds: Double
    /// Codec cases in the order they ran.
    var codec: [CQLCodecResult] = []
    /// Bytes on the wire per point written.
    var wire: [CQLWireResult] = []
    /// Requests one connection can have in flight (its stream ids).
    var streamIDsPerConnection: Int
    /// The peer runs, when `--peer` was given.
    var peer: CQLPeerReport?
    var warnings: [String] = []

    // Explicit key: the encoder's snake_case conversion would spell `streamIDsPerConnection` as `stream_i_ds_…`.
    enum CodingKeys: String, CodingKey {
        case machine, seconds, codec, wire, peer, warnings
        case streamIDsPerConnection = "stream_ids_per_connection"
    }
}

/// The figures of one codec case.
struct CQLCodecResult: Sendable, Codable {
    var name: String
    var summary: String
    /// The frame encoded or decoded, header included.
    var frameBytes: Int
    var framesPerSecond: Double
    /// Frame bytes per second, in MB (10^6 bytes).
    var megabytesPerSecond: Double
    /// For the Rows frame: rows decoded per second.
    var rowsPerSecond: Double?
    var nsPerFrameP50: Double
    var nsPerFrameP99: Double
}

/// The wire cost of one point in one way of writing it.
struct CQLWireResult: Sendable, Codable {
    var name: String
    var points: Int
    var requestBytes: Int
    var responseBytes: Int
    var requestBytesPerPoint: Double
    var responseBytesPerPoint: Double
}

/// Concurrent `execute` calls over one connection to a running CQL server.
struct CQLPeerReport: Sendable, Codable {
    var endpoint: String
    var statement: String
    var runs: [CQLPeerRun] = []
    /// What bounds these figures.
    var note: String
}

/// One concurrency level against the peer.
struct CQLPeerRun: Sendable, Codable {
    /// Concurrent callers, each calling `execute` again as soon as its last call returned.
    var concurrency: Int
    /// Calls started and finished within the measured window.
    var requests: Int
    var requestsPerSecond: Double
    /// Most calls the bench saw between `execute` being called and returning, at any moment.
    var maxInFlight: Int
    var latencyMs: LatencySummary
    var errors: Int
    var firstError: String?
}

extension CQLBenchReport {
    /// The human-readable report.
    func render() -> String {
        var lines: [String] = []
        let machine = self.machine
        lines.append(
            "machine: \(machine.cores) cores, \(machine.cpuModel), \(machine.memoryMiB) MiB, Linux \(machine.kernel), \(machine.buildConfiguration) build"
        )
        lines.append(
            "codec: in process, one thread, \(BenchReport.format(self.seconds, 1)) s per case; percentiles over samples of k frames (≥ 20 µs each)"
        )
        lines.append("")
        var rows = [["case", "bytes", "frames/s", "MB/s", "rows/s", "ns/frame p50", "ns/frame p99"]]
        for result in self.codec {
            rows.append([
                result.name, String(result.frameBytes), BenchReport.format(result.framesPerSecond, 0),
                BenchReport.format(result.megabytesPerSecond, 1),
                result.rowsPerSecond.map { BenchReport.format($0, 0) } ?? "", BenchReport.format(result.nsPerFrameP50, 0),
                BenchReport.format(result.nsPerFrameP99, 0),
            ])
        }
        lines.append(contentsOf: Self.table(rows))
        for result in self.codec { lines.append("\(result.name): \(result.summary)") }
        lines.append("")
        rows = [["write", "points", "request B", "response B", "request B/point", "response B/point"]]
        for result in self.wire {
            rows.append([
                result.name, String(result.points), String(result.requestBytes), String(result.responseBytes),
                BenchReport.format(result.requestBytesPerPoint, 2), BenchReport.format(result.responseBytesPerPoint, 2),
            ])
        }
        lines.append(contentsOf: Self.table(rows))
        lines.append("")
        lines.append("requests in flight per connection: at most \(self.streamIDsPerConnection) (protocol v4 stream ids)")
        if let peer = self.peer {
            lines.append("peer \(peer.endpoint), one connection, closed loop, \(BenchReport.format(self.seconds, 1)) s per level: \(peer.statement)")
            rows = [["callers", "requests", "req/s", "max in flight", "p50 ms", "p99 ms", "max ms", "errors"]]
            for run in peer.runs {
                rows.append([
                    String(run.concurrency), String(run.requests), BenchReport.format(run.requestsPerSecond, 0), String(run.maxInFlight),
                    BenchReport.format(run.latencyMs.p50, 2), BenchReport.format(run.latencyMs.p99, 2), BenchReport.format(run.latencyMs.max, 2),
                    run.errors == 0 ? "0" : "\(run.errors) (\(run.firstError ?? ""))",
                ])
            }
            lines.append(contentsOf: Self.table(rows))
            lines.append("NOTE: \(peer.note)")
        } else {
            lines.append("peer: not measured (pass --peer HOST:PORT)")
        }
        for warning in self.warnings { lines.append("WARNING: \(warning)") }
        return lines.joined(separator: "\n")
    }

    /// The report as one JSON document (snake_case keys).
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Left-aligned first column, the others right-aligned, a rule under the header.
    private static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines: [String] = []
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }
            lines.append(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            if index == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines
    }
}
