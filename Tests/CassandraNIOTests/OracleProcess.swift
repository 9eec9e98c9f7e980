import Foundation
import Testing

/// Runs the Python oracle (the DataStax driver's own protocol primitives) copied into `Oracle/` beside this file.
///
/// A missing python3 or `cassandra` module fails the test that needs it, never skips it: a suite that quietly does not
/// check anything is a defect.
enum OracleProcess {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Oracle")

    static let installHint = "the CQL oracle needs python3 with the DataStax driver: pip install cassandra-driver"

    /// Runs `python3 <script> <arguments>` in the oracle directory with `input` on stdin.
    static func run(_ script: String, _ arguments: [String], input: String) async throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        process.currentDirectoryURL = self.directory
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            Issue.record("cannot start python3 (\(error)); \(self.installHint)")
            throw error
        }
        // Read both pipes while writing, so that a large output cannot block the child on a full pipe. The blocking
        // reads run on Dispatch threads: on the few threads of Swift's cooperative pool they could starve every test.
        async let outputData = Self.readToEnd(stdout.fileHandleForReading)
        async let errorData = Self.readToEnd(stderr.fileHandleForReading)
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = await outputData
        let errors = await errorData
        // Both pipes are at end of file, so the child has exited or is about to.
        let status = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
        return (status, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: handle.readDataToEndOfFile())
            }
        }
    }

    /// Fails, with the install hint, unless python3 can import the driver.
    static func requireDriver() async throws {
        let result = try await self.run("-c", ["import cassandra, sys; sys.stdout.write(cassandra.__version__)"], input: "")
        try #require(result.status == 0, "python3 cannot import cassandra (\(result.errors)); \(self.installHint)")
    }

    /// Decodes request frames with the oracle: one JSON object per frame.
    static func decodeRequests(_ frames: [[UInt8]]) async throws -> [[String: Any]] {
        try await self.requireDriver()
        let input = frames.map { $0.hexString }.joined(separator: "\n") + "\n"
        let result = try await self.run("oracle_cli.py", ["decode-requests"], input: input)
        try #require(result.status == 0, "the oracle rejected a frame: \(result.output) \(result.errors)")
        return try result.output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}

extension Sequence<UInt8> {
    var hexString: String {
        self.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }
}

extension String {
    /// The bytes of a hex string; `nil` when it is not one.
    var hexBytes: [UInt8]? {
        let utf8 = Array(self.utf8)
        guard utf8.count.isMultiple(of: 2) else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let byte = UInt8(String(decoding: utf8[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
            index += 2
        }
        return bytes
    }
}
