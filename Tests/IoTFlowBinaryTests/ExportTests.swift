import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TestProcess
import Testing

/// `GET /telemetry/{device_id}/export` of a large range against the built binary: memory stays flat, and a client
/// that goes away stops the reads.
@Suite("export at scale", .serialized)
struct ExportTests {
    static let points = 2_000_000

    /// Reads an export with Python's http.client in 64 KiB chunks, keeping nothing: prints the lines read. With a
    /// byte budget, closes the connection after that many bytes.
    static let reader = """
        import http.client, sys
        port, path, token, budget = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("GET", path, headers={"Authorization": "Bearer " + token})
        response = connection.getresponse()
        assert response.status == 200, response.status
        lines = read = 0
        while True:
            chunk = response.read(65536)
            if not chunk:
                break
            lines += chunk.count(b"\\n")
            read += len(chunk)
            if budget and read >= budget:
                break
        connection.close()
        print(lines)
        """

    static func python() throws -> String {
        try #require(ProcessInfo.processInfo.environment["IOTFLOW_TEST_PYTHON"], "IOTFLOW_TEST_PYTHON must name a Python (scripts/test.sh sets it)")
    }

    /// The server's resident memory in KiB, from /proc.
    static func residentKiB(_ pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    static func exportedValues(_ server: ServerProcess) async throws -> Int {
        let metrics = String(buffer: try await server.request("/metrics", method: .get).body ?? ByteBuffer())
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("iotflow_export_values_total ") }
        return line.flatMap { Int(Double($0.split(separator: " ")[1]) ?? 0) } ?? 0
    }

    @Test("2 M points export with flat memory; a client that disconnects stops the export")
    func largeExport() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess(dataDirectory: directory, environment: ["RATE_LIMIT_PER_MINUTE": "0"])
        defer { _ = server.terminate() }
        let (token, deviceID, apiKey) = try await DurabilityTests().provision(server)
        let start = Int64(Date().timeIntervalSince1970 * 1000) - 30 * 86_400_000
        // 200 batches of 10,000 points, 10 ms apart, from four writers.
        let port = server.port
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(120))) { client in
                        for batch in stride(from: writer, to: Self.points / 10_000, by: 4) {
                            let first = batch * 10_000
                            let body = (first..<(first + 10_000)).map { #"{"timestamp":\#(start + Int64($0) * 10),"data":{"v":\#($0)}}"# }
                            var headers = DurabilityTests.json
                            headers[HTTPField.Name("X-API-Key")!] = apiKey
                            let response = try await client.execute(
                                TestClient.Request(
                                    "/api/v1/telemetry", method: .post, headers: headers,
                                    body: ByteBuffer(string: #"{"points":[\#(body.joined(separator: ","))]}"#)))
                            #expect(response.status == .created)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let path = "/api/v1/telemetry/\(deviceID)/export?start_time=\(start)"
        let before = try Self.residentKiB(server.process.pid)
        // Sample the server's memory while the whole range streams to a reader that keeps nothing.
        let peak = Mutex(before)
        let sampling = Task {
            while !Task.isCancelled {
                if let now = try? Self.residentKiB(server.process.pid) { peak.withLock { $0 = max($0, now) } }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let full = try await runCommand(try Self.python(), ["-c", Self.reader, String(port), path, token, "0"], timeout: .seconds(600))
        sampling.cancel()
        #expect(full.status == 0, "\(full.errors)")
        #expect(full.output.trimmingCharacters(in: .whitespacesAndNewlines) == String(Self.points + 1))
        let growth = peak.withLock { $0 } - before
        #expect(growth < 20 * 1024, "server RSS grew by \(growth) KiB during the export (from \(before) KiB)")

        // A reader that leaves after 1 MiB: the server stops reading pages soon after.
        let exportedBefore = try await Self.exportedValues(server)
        let partial = try await runCommand(
            try Self.python(), ["-c", Self.reader, String(port), path, token, String(1 << 20)], timeout: .seconds(120))
        #expect(partial.status == 0, "\(partial.errors)")
        var last = -1
        var now = try await Self.exportedValues(server)
        let deadline = ContinuousClock.now + .seconds(60)
        while now != last, ContinuousClock.now < deadline {
            last = now
            try await Task.sleep(for: .seconds(1))
            now = try await Self.exportedValues(server)
        }
        #expect(now == last, "the export kept reading")
        #expect(now - exportedBefore < Self.points / 2, "the abandoned export read \(now - exportedBefore) of \(Self.points) values")
    }
}
