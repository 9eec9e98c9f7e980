import ArgumentParser
import Foundation

/// `iotflow bench json`: in-process micro-benchmarks of the own JSON and ISO 8601 code against Foundation.
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json",
        abstract: "Measure the own JSON parser and writer and ISO 8601 code against Foundation, in process.",
        discussion: """
            Cases: ingest-1/100/1000 (request body to validated points), history-1000/10000 (history answer to bytes), \
            login and register (small bodies), iso-format and iso-parse-* (10,000 timestamps). Each variant is checked \
            against the own code's result before it is timed.
            """
    )

    @Option(name: .long, help: "Measured seconds per variant.")
    var duration = 2.0

    @Option(name: .long, help: "Warm-up seconds per variant before measuring.")
    var warmup = 0.5

    @Option(name: .long, help: "Comma-separated case names or prefixes to run (e.g. ingest,iso-parse); default: all.")
    var only: String?

    @Flag(name: .long, help: "Print one JSON document on standard output instead of the table.")
    var json = false

    func validate() throws {
        guard self.duration > 0, self.warmup >= 0 else { throw ValidationError("--duration must be positive and --warmup not negative") }
    }

    func run() throws {
        let machine = MachineFacts.current()
        var report = CodecBenchReport(machine: machine, warmupSeconds: self.warmup, durationSeconds: self.duration)
        if machine.buildConfiguration != "release" {
            report.warnings.append("this is a DEBUG build: figures are not representative; build with swift build -c release")
            Bench.progress("WARNING: \(report.warnings.last!)")
        }
        let selection = self.only.map(HTTPBench.selection)
        let cases = try CodecCase.all().filter { candidate in
            selection.map { $0.contains { candidate.name.hasPrefix($0) } } ?? true
        }
        guard !cases.isEmpty else { throw ValidationError("--only selects no case") }
        let benchmark = MicroBenchmark(
            warmupNanoseconds: UInt64(self.warmup * 1e9), durationNanoseconds: UInt64(self.duration * 1e9))
        var ownMedian: [String: Double] = [:]
        for codecCase in cases {
            let timing = try benchmark.measure(codecCase.operation)
            if codecCase.variant == "own" { ownMedian[codecCase.name] = timing.p50Nanoseconds }
            let result = CodecCaseResult(
                name: codecCase.name, variant: codecCase.variant, summary: codecCase.summary, items: codecCase.items, ops: timing.ops,
                opsPerSample: timing.opsPerSample, opsPerSecond: timing.opsPerSecond, nsPerOpMean: timing.meanNanoseconds,
                nsPerOpP50: timing.p50Nanoseconds, nsPerOpP99: timing.p99Nanoseconds, nsPerItemP50: timing.p50Nanoseconds / Double(codecCase.items),
                ratioToOwn: ownMedian[codecCase.name].map { timing.p50Nanoseconds / $0 }, outputBytes: codecCase.outputBytes, check: codecCase.check
            )
            Bench.progress(
                "\(codecCase.name) \(codecCase.variant): \(BenchReport.format(result.opsPerSecond, 1)) ops/s, p50 \(BenchReport.format(result.nsPerOpP50, 0)) ns"
            )
            report.cases.append(result)
        }
        for result in report.cases where result.check.hasPrefix("DIFFERS") {
            report.warnings.append("\(result.name) \(result.variant): \(result.check)")
        }
        print(self.json ? try report.encoded() : report.render())
    }
}
