import Foundation

/// Everything one `iotflow bench` run measured, printed as a table or encoded as one JSON document.
struct BenchReport: Sendable, Codable {
    /// The machine.
    var machine: MachineFacts
    /// The server and how it was reached.
    var target: Target
    /// Run parameters.
    var settings: Settings
    /// Scenarios in the order they ran.
    var scenarios: [ScenarioResult] = []
    /// Loading the 24 h history through the batch API, when the history scenarios ran.
    var historyLoad: HistoryLoad?
    /// Server memory (KiB), when its process could be sampled.
    var memory: Memory?
    /// Anything that makes the figures doubtful (debug build, errors, unverified writes).
    var warnings: [String] = []

    /// The server under test.
    struct Target: Sendable, Codable {
        var url: String
        /// Whether the bench started the server itself.
        var spawned: Bool
        /// Telemetry backend: what the environment selects (for a server given by `--url`, what this
        /// process's environment would select; the server may differ).
        var backend: String
        /// Spawn to first 200 on `/health`, in ms (spawned servers only).
        var readyMs: Double?
        var pid: Int32?
    }

    /// The options of the run.
    struct Settings: Sendable, Codable {
        var connections: Int
        var readConnections: Int
        var durationSeconds: Double
        var warmupSeconds: Double
        var clientThreads: Int
    }

    /// The 86,400-point history load.
    struct HistoryLoad: Sendable, Codable {
        var points: Int
        var requests: Int
        var seconds: Double
        var pointsPerSecond: Double
        /// Points the server reports stored for the device afterwards (aggregated count).
        var stored: Int
    }

    /// Resident memory of the server in KiB.
    struct Memory: Sendable, Codable {
        /// `VmHWM` at the end of the run: the peak since the server started.
        var peakKiB: Int
        /// Largest sampled `VmRSS` during the write scenarios.
        var writePeakRSSKiB: Int?
        /// `VmHWM` right after the write scenarios.
        var peakAfterWritesKiB: Int?
        /// `VmRSS` at the end of the run.
        var finalRSSKiB: Int

        enum CodingKeys: String, CodingKey {
            case peakKiB = "peak_kib"
            case writePeakRSSKiB = "write_peak_rss_kib"
            case peakAfterWritesKiB = "peak_after_writes_kib"
            case finalRSSKiB = "final_rss_kib"
        }
    }
}

/// One scenario's figures.
struct ScenarioResult: Sendable, Codable {
    /// Short name (`noop`, `write-single`, …; the names `--only` takes).
    var name: String
    /// What it does.
    var summary: String
    /// `http` (through the server) or `store` (in process through `TelemetryStore`).
    var kind: String
    var connections: Int
    var seconds: Double
    /// Requests (or store batches) started after the warm-up and finished in the window.
    var requests: Int
    var requestsPerSecond: Double
    var pointsPerRequest: Int
    /// Points per second, for write scenarios.
    var pointsPerSecond: Double?
    var latencyMs: LatencySummary
    /// Non-2xx answers among the measured requests.
    var errors: Int = 0
    /// Non-2xx answers over the whole run, warm-up included.
    var errorsIncludingWarmup: Int = 0
    /// Answers by status code over the whole run.
    var statuses: [String: Int] = [:]
    var firstError: String?
    /// Response body bytes per second (reads).
    var responseMiBPerSecond: Double?
    /// Requests per second relative to the `noop` scenario.
    var ratioToNoop: Double?
    /// Points per second relative to the store insert baseline of the same batch size.
    var ratioToStoreInsert: Double?
    /// Largest sampled server `VmRSS` during the scenario, in KiB.
    var serverPeakRSSKiB: Int?
    /// For writes: points the server acknowledged (2xx) over the whole run versus points it reports
    /// stored afterwards (aggregated count per device).
    var pointsAcknowledged: Int?
    var pointsStored: Int?
    /// A correctness check of the answer made before the measured run (reads).
    var check: String?
    /// Live stream subscribers held open during the scenario (`--stream-subscribers`) and what they received.
    var streams: StreamLatencyRecorder.Figures?

    // Explicit keys for the unit-suffixed names (see MachineFacts.CodingKeys).
    enum CodingKeys: String, CodingKey {
        case name, summary, kind, connections, seconds, requests, statuses, errors, check, streams
        case requestsPerSecond = "requests_per_second"
        case pointsPerRequest = "points_per_request"
        case pointsPerSecond = "points_per_second"
        case latencyMs = "latency_ms"
        case errorsIncludingWarmup = "errors_including_warmup"
        case firstError = "first_error"
        case responseMiBPerSecond = "response_mib_per_second"
        case ratioToNoop = "ratio_to_noop"
        case ratioToStoreInsert = "ratio_to_store_insert"
        case serverPeakRSSKiB = "server_peak_rss_kib"
        case pointsAcknowledged = "points_acknowledged"
        case pointsStored = "points_stored"
    }
}

extension BenchReport {
    /// The human-readable report.
    func render() -> String {
        var lines: [String] = []
        let machine = self.machine
        lines.append(
            "machine: \(machine.cores) cores, \(machine.cpuModel), \(machine.memoryMiB) MiB, Linux \(machine.kernel), \(machine.buildConfiguration) build"
        )
        var target = "server: \(self.target.url) (\(self.target.spawned ? "spawned by bench" : "external")), backend: \(self.target.backend)"
        if let ready = self.target.readyMs { target += ", ready in \(Self.format(ready, 0)) ms (spawn → first 200 on /health)" }
        lines.append(target)
        let settings = self.settings
        lines.append(
            "load: \(settings.connections) connections (\(settings.readConnections) for history reads), "
                + "\(Self.format(settings.warmupSeconds, 1)) s warm-up + \(Self.format(settings.durationSeconds, 1)) s per scenario, "
                + "\(settings.clientThreads) client thread(s), closed loop, HTTP/1.1 keep-alive"
        )
        if let load = self.historyLoad {
            lines.append(
                "history load: \(load.points) points in \(load.requests) requests, \(Self.format(load.seconds, 2)) s "
                    + "(\(Self.format(load.pointsPerSecond, 0)) points/s), \(load.stored) stored"
            )
        }
        lines.append("")
        let header = ["scenario", "conns", "req/s", "points/s", "p50 ms", "p95 ms", "p99 ms", "errors", "vs noop", "vs store", "peak RSS", "stored"]
        var rows: [[String]] = [header]
        for scenario in self.scenarios {
            let stored: String
            if let acknowledged = scenario.pointsAcknowledged, let found = scenario.pointsStored {
                stored = found == acknowledged ? "\(found) ok" : "\(found)/\(acknowledged) MISMATCH"
            } else {
                stored = scenario.check ?? ""
            }
            rows.append([
                scenario.name, String(scenario.connections), Self.format(scenario.requestsPerSecond, 0),
                scenario.pointsPerSecond.map { Self.format($0, 0) } ?? "", Self.format(scenario.latencyMs.p50, 2),
                Self.format(scenario.latencyMs.p95, 2),
                Self.format(scenario.latencyMs.p99, 2), scenario.errorsIncludingWarmup == 0 ? "0" : "\(scenario.errorsIncludingWarmup) !!",
                scenario.ratioToNoop.map { Self.format($0, 3) + "x" } ?? "", scenario.ratioToStoreInsert.map { Self.format($0, 3) + "x" } ?? "",
                scenario.serverPeakRSSKiB.map { "\($0 / 1024) MiB" } ?? "", stored,
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 || column == row.count - 1 ? cell + padding : padding + cell
            }
            lines.append(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            if index == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append(contentsOf: self.renderStreams())
        lines.append("")
        for scenario in self.scenarios {
            lines.append("\(scenario.name): \(scenario.summary)")
        }
        if let memory = self.memory {
            var text = "server memory: peak RSS (VmHWM) \(memory.peakKiB / 1024) MiB, final RSS \(memory.finalRSSKiB / 1024) MiB"
            if let writes = memory.writePeakRSSKiB { text += ", largest sampled RSS during writes \(writes / 1024) MiB" }
            if let after = memory.peakAfterWritesKiB { text += ", VmHWM after the writes \(after / 1024) MiB" }
            lines.append(text)
        } else {
            lines.append("server memory: not sampled (pass --pid for a server given by --url)")
        }
        for warning in self.warnings { lines.append("WARNING: \(warning)") }
        return lines.joined(separator: "\n")
    }

    /// The live stream figures of the scenarios that held subscribers, as a second table (nothing without any).
    private func renderStreams() -> [String] {
        let scenarios = self.scenarios.filter { $0.streams != nil }
        guard !scenarios.isEmpty else { return [] }
        let header = ["scenario", "subscribers", "frames/s", "dropped", "before 201", "p50 ms", "p95 ms", "p99 ms", "max ms"]
        var rows: [[String]] = [header]
        for scenario in scenarios {
            guard let streams = scenario.streams else { continue }
            let latency = streams.latencyMs
            rows.append([
                scenario.name, String(streams.subscribers), Self.format(streams.framesPerSecond, 0), String(streams.dropped),
                String(streams.beforeAcknowledgement), streams.frames == 0 ? "" : Self.format(latency.p50, 2),
                streams.frames == 0 ? "" : Self.format(latency.p95, 2), streams.frames == 0 ? "" : Self.format(latency.p99, 2),
                streams.frames == 0 ? "" : Self.format(latency.max, 2),
            ])
        }
        var lines = ["", "live streams: frames received by the subscribers, delivery latency from the write's 201 to its frame"]
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
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

    /// The report as one JSON document (snake_case keys).
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}
