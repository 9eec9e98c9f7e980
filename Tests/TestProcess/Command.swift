import Foundation

/// What a command printed and how it ended.
public struct CommandResult: Sendable {
    public let status: Int32
    public let output: String
    public let errors: String
}

/// Runs a command to completion with `input` on its standard input and returns what it printed. A command still running
/// after `timeout` is killed, and the call throws.
///
/// The streams are files in a temporary directory rather than pipes: a pipe must be drained while the child runs, which
/// blocks a thread, and waiting polls, so no thread of the cooperative pool is held while the command runs.
public func runCommand(
    _ executable: String,
    _ arguments: [String],
    input: String = "",
    environment: [String: String]? = nil,
    timeout: Duration = .seconds(300)
) async throws -> CommandResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let inputPath = directory.appendingPathComponent("stdin").path
    let outputPath = directory.appendingPathComponent("stdout").path
    let errorPath = directory.appendingPathComponent("stderr").path
    try Data(input.utf8).write(to: URL(fileURLWithPath: inputPath))
    let child = try ChildProcess.launch(
        executable, arguments, environment: environment, input: .file(inputPath), output: .file(outputPath), errors: .file(errorPath))
    let status = try await child.waitForExit(within: timeout, what: executable)
    return CommandResult(
        status: status,
        output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
        errors: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
    )
}
