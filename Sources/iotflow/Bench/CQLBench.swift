import ArgumentParser
@_spi(Benchmarks) import CassandraNIO
import Foundation
import NIOCore

/// `iotflow bench cql`: the CassandraNIO codec in process (frames encoded and decoded per second, bytes per point)
/// and, with `--peer`, concurrent requests over one connection to a running CQL server.
struct CQLBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cql",
        abstract: "Measure the CassandraNIO codec in process, and optionally requests in flight over one connection to a CQL server.",
        discussion: """
            Codec cases: encode EXECUTE of the telemetry point insert (8 bound values) and a BATCH of 100 of them; decode a \
            RESULT Rows frame of 1000 history rows and a RESULT Void, through the client's frame decoder and response \
            decoding. With --peer HOST:PORT (e.g. scripts/cql-peer.sh start DIR PORT), 1, 16, 128 and 1024 concurrent \
            execute calls over one connection.
            """
    )

    @Option(name: .long, help: "Measured seconds per codec case and per peer concurrency level.")
    var seconds = 3.0

    @Option(name: .long, help: "HOST:PORT of a running CQL server to measure concurrent requests over one connection against.")
    var peer: String?

    @Flag(name: .long, help: "Print one JSON document on standard output instead of the tables.")
    var json = false

    func validate() throws {
        guard self.seconds > 0 else { throw ValidationError("--seconds must be positive") }
        if let peer = self.peer, Self.endpoint(peer) == nil { throw ValidationError("--peer must be HOST:PORT") }
    }

    func run() async throws {
        let machine = MachineFacts.current()
        var report = CQLBenchReport(machine: machine, seconds: self.seconds, streamIDsPerConnection: CassandraFrameCodec.streamIDsPerConnection)
        if machine.buildConfiguration != "release" {
            report.warnings.append("this is a DEBUG build: figures are not representative; build with swift build -c release")
            Bench.progress("WARNING: \(report.warnings.last!)")
        }
        report.codec = try self.measureCodec()
        report.wire = try Self.wireCost()
        if let peer = self.peer, let endpoint = Self.endpoint(peer) {
            report.peer = try await CQLPeerLoad(endpoint: endpoint, seconds: self.seconds).measure(concurrencies: [1, 16, 128, 1024])
        }
        print(self.json ? try report.encoded() : report.render())
    }

    private func measureCodec() throws -> [CQLCodecResult] {
        let benchmark = MicroBenchmark(warmupNanoseconds: UInt64(min(0.5, self.seconds / 4) * 1e9), durationNanoseconds: UInt64(self.seconds * 1e9))
        let executeBytes = try CQLBenchFrames.executeFrame().readableBytes
        let batchBytes = try CQLBenchFrames.batchFrame().readableBytes
        let rowsFrame = CQLBenchFrames.historyRowsFrame()
        let voidFrame = CQLBenchFrames.voidFrame()
        let columns = CQLBenchFrames.historyColumns
        // Checked once before timing, so a decoder that skipped work would fail here rather than look fast.
        var check = rowsFrame
        guard let rows = try CassandraFrameCodec.decodeExecuteResult(&check, resultColumns: columns)?.rows,
            rows.rows.count == CQLBenchFrames.rowCount, rows.rows.last?[1].double == 20 + 99.0 / 10, rows.rows.last?[2] == .null
        else { throw BenchError("the RESULT Rows frame did not decode into \(CQLBenchFrames.rowCount) history rows") }

        var results: [CQLCodecResult] = []
        func record(_ name: String, _ summary: String, bytes: Int, rows: Int?, _ operation: () throws -> Int) throws {
            let timing = try benchmark.measure(operation)
            let result = CQLCodecResult(
                name: name, summary: summary, frameBytes: bytes, framesPerSecond: timing.opsPerSecond,
                megabytesPerSecond: timing.opsPerSecond * Double(bytes) / 1e6, rowsPerSecond: rows.map { timing.opsPerSecond * Double($0) },
                nsPerFrameP50: timing.p50Nanoseconds, nsPerFrameP99: timing.p99Nanoseconds)
            Bench.progress(
                "\(name): \(BenchReport.format(result.framesPerSecond, 0)) frames/s, \(BenchReport.format(result.megabytesPerSecond, 1)) MB/s")
            results.append(result)
        }
        try record(
            "encode-execute",
            "EXECUTE of the prepared point insert, 8 values bound at the marker types, LOCAL_QUORUM, default timestamp",
            bytes: executeBytes, rows: nil
        ) { try CQLBenchFrames.executeFrame().readableBytes }
        try record(
            "encode-batch-100", "unlogged BATCH of 100 point inserts (prepared id + 8 values each), LOCAL_QUORUM, as the store sends",
            bytes: batchBytes, rows: nil
        ) { try CQLBenchFrames.batchFrame().readableBytes }
        try record(
            "decode-rows-1000",
            "RESULT Rows without metadata (skip_metadata): 1000 rows of ts timestamp, num double, str null, flag null, into CassandraRows",
            bytes: rowsFrame.readableBytes, rows: CQLBenchFrames.rowCount
        ) {
            var buffer = rowsFrame
            return try CassandraFrameCodec.decodeExecuteResult(&buffer, resultColumns: columns)?.rows?.rows.count ?? 0
        }
        try record("decode-void", "RESULT Void, the answer to an insert or a batch", bytes: voidFrame.readableBytes, rows: nil) {
            var buffer = voidFrame
            guard case .void = try CassandraFrameCodec.decodeExecuteResult(&buffer, resultColumns: nil) else { return 0 }
            return 1
        }
        return results
    }

    /// The frames of one point written alone and of 100 points in one batch, with the RESULT Void answering each.
    static func wireCost() throws -> [CQLWireResult] {
        let response = CQLBenchFrames.voidFrame().readableBytes
        let execute = try CQLBenchFrames.executeFrame().readableBytes
        let batch = try CQLBenchFrames.batchFrame().readableBytes
        let points = CQLBenchFrames.batchSize
        return [
            CQLWireResult(
                name: "execute, 1 point", points: 1, requestBytes: execute, responseBytes: response, requestBytesPerPoint: Double(execute),
                responseBytesPerPoint: Double(response)),
            CQLWireResult(
                name: "batch, \(points) points", points: points, requestBytes: batch, responseBytes: response,
                requestBytesPerPoint: Double(batch) / Double(points), responseBytesPerPoint: Double(response) / Double(points)),
        ]
    }

    static func endpoint(_ text: String) -> CassandraEndpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : CassandraEndpoint(host: host, port: port)
    }
}
