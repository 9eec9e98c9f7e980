import Foundation

/// What one `iotflow bench json` run measured, printed as a table or encoded as one JSON document.
struct CodecBenchReport: Sendable, Codable {
    var machine: MachineFacts
    var warmupSeconds: Double
    var durationSeconds: Double
    /// Cases in the order they ran.
    var cases: [CodecCaseResult] = []
    var warnings: [String] = []
}

/// The figures of one variant of one case.
struct CodecCaseResult: Sendable, Codable {
    var name: String
    var variant: String
    var summary: String
    /// Points, entries or timestamps per operation.
    var items: Int
    /// Operations measured, and how many were timed together per sample.
    var ops: Int
    var opsPerSample: Int
    var opsPerSecond: Double
    /// Time per operation: mean, median and 99th percentile over samples (nearest rank).
    var nsPerOpMean: Double
    var nsPerOpP50: Double
    var nsPerOpP99: Double
    /// Median time per point, entry or timestamp.
    var nsPerItemP50: Double
    /// This variant's median over the `own` variant's median of the same case (above 1: slower than own).
    var ratioToOwn: Double?
    var outputBytes: Int?
    /// Agreement with the own code, checked before timing.
    var check: String
}

extension CodecBenchReport {
    /// The human-readable report.
    func render() -> String {
        var lines: [String] = []
        let machine = self.machine
        lines.append(
            "machine: \(machine.cores) cores, \(machine.cpuModel), \(machine.memoryMiB) MiB, Linux \(machine.kernel), \(machine.buildConfiguration) build"
        )
        lines.append(
            "timing: in process, one thread, \(BenchReport.format(self.warmupSeconds, 2)) s warm-up + \(BenchReport.format(self.durationSeconds, 2)) s "
                + "per variant; percentiles over samples of k operations (k so that a sample lasts ≥ 20 µs)"
        )
        lines.append("")
        let header = ["case", "variant", "ops/s", "ns/op p50", "ns/op p99", "ns/item", "vs own", "k", "bytes", "check"]
        var rows: [[String]] = [header]
        for result in self.cases {
            rows.append([
                result.name, result.variant, BenchReport.format(result.opsPerSecond, result.opsPerSecond < 100 ? 1 : 0),
                BenchReport.format(result.nsPerOpP50, 0), BenchReport.format(result.nsPerOpP99, 0), BenchReport.format(result.nsPerItemP50, 0),
                result.ratioToOwn.map { BenchReport.format($0, 2) + "x" } ?? "", String(result.opsPerSample),
                result.outputBytes.map(String.init) ?? "", result.check,
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column <= 1 || column == row.count - 1 ? cell + padding : padding + cell
            }
            lines.append(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            if index == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append("")
        var described = Set<String>()
        for result in self.cases where described.insert("\(result.name)/\(result.variant)").inserted {
            lines.append("\(result.name) \(result.variant): \(result.summary)")
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
}
