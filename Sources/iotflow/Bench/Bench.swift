import ArgumentParser
import Foundation

/// `iotflow bench`: the HTTP load benchmark of a live server (the default, `iotflow bench http`), the
/// in-process JSON and ISO 8601 micro-benchmarks (`iotflow bench json`) and the CassandraNIO codec (`iotflow bench cql`).
///
/// A group without options of its own: ArgumentParser lets a parent's options follow a subcommand's name,
/// so shared names (`--duration`, `--json`) on the parent would be taken from the subcommand.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: a live server over HTTP (default), the JSON and ISO 8601 code or the CQL client codec in process.",
        subcommands: [HTTPBench.self, CodecBench.self, CQLBench.self, MQTTBench.self],
        defaultSubcommand: HTTPBench.self
    )

    /// One progress line on standard error.
    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("[bench] \(line)\n".utf8))
    }
}
