import Foundation
import TestProcess
import Testing

/// Runs the Python oracle (the DataStax driver's own protocol primitives) copied into `Oracle/` beside this file.
///
/// A missing python3 or `cassandra` module fails the test that needs it, never skips it: a suite that quietly does not
/// check anything is a defect.
enum OracleProcess {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Oracle")

    static let installHint =
        "the CQL oracle needs a Python with the DataStax driver: scripts/test.sh exports IOTFLOW_TEST_PYTHON, the one "
        + "scripts/install-test-tools.sh installs (otherwise python3 on PATH, with pip install cassandra-driver)"

    /// The interpreter and its leading arguments: `IOTFLOW_TEST_PYTHON` when set (the test tools' virtual environment,
    /// which has the driver), else `python3` from PATH.
    static var python: (executable: String, arguments: [String]) {
        if let python = ProcessInfo.processInfo.environment["IOTFLOW_TEST_PYTHON"], !python.isEmpty { return (python, []) }
        return ("/usr/bin/env", ["python3"])
    }

    /// Runs `python3 <script> <arguments>` with `input` on stdin; `script` is a file of the oracle directory, or `-c`.
    static func run(_ script: String, _ arguments: [String], input: String) async throws -> (status: Int32, output: String, errors: String) {
        let path = script.hasPrefix("-") ? script : self.directory.appendingPathComponent(script).path
        do {
            let result = try await runCommand(self.python.executable, self.python.arguments + [path] + arguments, input: input)
            return (result.status, result.output, result.errors)
        } catch {
            Issue.record("cannot start python3 (\(error)); \(self.installHint)")
            throw error
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
