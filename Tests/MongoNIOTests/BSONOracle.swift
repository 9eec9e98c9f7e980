import Foundation
import Testing

/// Runs `Tests/Support/mongo/bson_oracle.py`, pymongo's BSON codec behind a line protocol, with the interpreter named
/// by `IOTFLOW_TEST_PYTHON` (scripts/test.sh sets it to the test tools' venv).
///
/// An unset variable or a missing pymongo fails the test that needs the oracle, never skips it: a suite that quietly
/// checks nothing is a defect.
enum BSONOracle {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Support/mongo/bson_oracle.py")

    static let setupHint =
        "set IOTFLOW_TEST_PYTHON to a Python with pymongo==4.20.1 (scripts/test.sh exports the one scripts/install-test-tools.sh installs)"

    /// pymongo's BSON, as hex, for each canonical extended JSON document; `error: ...` where pymongo refuses one.
    static func encode(_ extendedJSON: [String]) async throws -> [String] {
        try await self.run("encode", lines: extendedJSON)
    }

    /// pymongo's canonical extended JSON for each hex document; `error: ...` where pymongo refuses one.
    static func decode(_ hex: [String]) async throws -> [String] {
        try await self.run("decode", lines: hex)
    }

    private static func run(_ command: String, lines: [String]) async throws -> [String] {
        let python = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 },
            "IOTFLOW_TEST_PYTHON is not set; \(self.setupHint)"
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [self.script.path, command]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            Issue.record("cannot start \(python) (\(error)); \(self.setupHint)")
            throw error
        }
        // Both pipes are drained while stdin is written, so a large answer cannot block the child on a full pipe; the
        // blocking reads run on Dispatch threads, not on the few threads of Swift's cooperative pool.
        async let output = Self.readToEnd(stdout.fileHandleForReading)
        async let errors = Self.readToEnd(stderr.fileHandleForReading)
        stdin.fileHandleForWriting.write(Data(lines.map { $0 + "\n" }.joined().utf8))
        try stdin.fileHandleForWriting.close()
        let outputText = String(decoding: await output, as: UTF8.self)
        let errorText = String(decoding: await errors, as: UTF8.self)
        let status = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
        try #require(status == 0, "bson_oracle.py \(command) exited with \(status): \(errorText); \(self.setupHint)")
        let answers = outputText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        try #require(answers.count == lines.count, "bson_oracle.py answered \(answers.count) lines to \(lines.count): \(outputText)")
        return answers
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: handle.readDataToEndOfFile())
            }
        }
    }
}
