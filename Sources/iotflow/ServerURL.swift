import Foundation
import NIOCore
import NIOPosix

/// The address of a running IoTFlow server, from a `--url` such as `http://127.0.0.1:5000`.
struct ServerURL: Sendable, CustomStringConvertible {
    let host: String
    let port: Int

    /// Parses `http://host[:port][/]`; HTTPS and paths are refused with a message saying so.
    init(_ text: String) throws {
        guard text.hasPrefix("http://") else {
            throw CommandLineError("--url must start with http:// (got \(text)); put a TLS-terminating proxy's plain address here")
        }
        var rest = text.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") else { throw CommandLineError("--url takes no path (got \(text))") }
        var host = String(rest)
        var port = 80
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(parsed) else {
                throw CommandLineError("--url has an invalid port (got \(text))")
            }
            host = String(rest[..<colon])
            port = parsed
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw CommandLineError("--url has no host (got \(text))") }
        self.host = host
        self.port = port
    }

    /// `host:port`, as the `Host` header.
    var authority: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }

    var description: String { "http://\(self.authority)" }
}

/// A command-line mistake, reported as one line.
struct CommandLineError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ServerURL {
    /// "cannot connect to http://host:port: connection refused", without NIO's nested error types.
    func connectionFailure(_ error: any Error) -> CommandLineError {
        CommandLineError("cannot connect to \(self): \(Self.reason(error))")
    }

    /// The root cause of a failed connect, in words.
    static func reason(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first { return Self.reason(first.error) }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        return "\(error)"
    }
}
