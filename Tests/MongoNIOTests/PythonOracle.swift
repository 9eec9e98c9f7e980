import Foundation
import TestProcess
import Testing

/// Runs the oracles in `Tests/Support/mongo` (pymongo's BSON codec and message layer, Python's hashlib and hmac with
/// pymongo's SASLprep) behind their line protocols, with the interpreter named by `IOTFLOW_TEST_PYTHON` (scripts/test.sh
/// sets it to the test tools' venv).
///
/// An unset variable or a missing pymongo fails the test that needs the oracle, never skips it: a suite that quietly
/// checks nothing is a defect.
enum PythonOracle {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Support/mongo")

    static let setupHint =
        "set IOTFLOW_TEST_PYTHON to a Python with pymongo==4.20.1 (scripts/test.sh exports the one scripts/install-test-tools.sh installs)"

    /// pymongo's BSON, as hex, for each canonical extended JSON document; `error: ...` where pymongo refuses one.
    static func bsonEncode(_ extendedJSON: [String]) async throws -> [String] {
        try await self.run("bson_oracle.py", "encode", lines: extendedJSON)
    }

    /// pymongo's canonical extended JSON for each hex document; `error: ...` where pymongo refuses one.
    static func bsonDecode(_ hex: [String]) async throws -> [String] {
        try await self.run("bson_oracle.py", "decode", lines: hex)
    }

    /// The OP_MSG pymongo's message layer builds, as hex, for each `{"db": ..., "command": ...}` line.
    static func opMsg(_ requests: [String]) async throws -> [String] {
        try await self.run("bson_oracle.py", "op-msg", lines: requests)
    }

    /// pymongo's SASLprep (query profile) of each JSON string, as a JSON string; `error: ...` where it refuses one.
    static func saslprep(_ jsonStrings: [String]) async throws -> [String] {
        try await self.run("scram_oracle.py", "saslprep", lines: jsonStrings)
    }

    /// The messages of the SCRAM-SHA-256 conversation each JSON request describes, as JSON.
    static func scram(_ requests: [String]) async throws -> [String] {
        try await self.run("scram_oracle.py", "scram", lines: requests)
    }

    private static func run(_ script: String, _ command: String, lines: [String]) async throws -> [String] {
        let python = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 },
            "IOTFLOW_TEST_PYTHON is not set; \(self.setupHint)"
        )
        let result: CommandResult
        do {
            result = try await runCommand(
                python, [self.directory.appendingPathComponent(script).path, command], input: lines.map { $0 + "\n" }.joined())
        } catch {
            Issue.record("cannot start \(python) (\(error)); \(self.setupHint)")
            throw error
        }
        try #require(result.status == 0, "\(script) \(command) exited with \(result.status): \(result.errors); \(self.setupHint)")
        let answers = result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        try #require(answers.count == lines.count, "\(script) answered \(answers.count) lines to \(lines.count): \(result.output)")
        return answers
    }
}
