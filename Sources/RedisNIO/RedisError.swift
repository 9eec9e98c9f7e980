/// An error from the Redis client: a stable `code` to switch on and a `message` for people.
public struct RedisError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, stable across versions so callers can branch on it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case connectionUnavailable
            case connectionClosed
            case timeout
            case serverError
            case protocolError
            case authenticationFailed
            case clientShutDown
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The command was not sent: no connection is up (the client fails fast instead of waiting for a reconnect), or
        /// the one it was given was already closing. Safe to retry, whatever the command.
        public static let connectionUnavailable = Code(.connectionUnavailable)
        /// The connection dropped after the command was written and before its reply: the server may have run it, so
        /// only an idempotent command can be retried blindly.
        public static let connectionClosed = Code(.connectionClosed)
        /// No reply arrived within the command timeout.
        public static let timeout = Code(.timeout)
        /// The server answered with an error reply, e.g. `WRONGTYPE ...` or `NOSCRIPT ...`.
        public static let serverError = Code(.serverError)
        /// The server sent bytes that are not valid RESP.
        public static let protocolError = Code(.protocolError)
        /// The server refused the credentials.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The client has shut down and sends nothing more.
        public static let clientShutDown = Code(.clientShutDown)

        /// The code's name.
        public var description: String {
            switch self.base {
            case .connectionUnavailable: return "connectionUnavailable"
            case .connectionClosed: return "connectionClosed"
            case .timeout: return "timeout"
            case .serverError: return "serverError"
            case .protocolError: return "protocolError"
            case .authenticationFailed: return "authenticationFailed"
            case .clientShutDown: return "clientShutDown"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Details for people: the server's error text, or what the client saw.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The code and message, e.g. `RedisError(serverError): WRONGTYPE Operation against a key holding the wrong kind of value`.
    public var description: String {
        "RedisError(\(self.code)): \(self.message)"
    }
}

extension RedisError {
    static func connectionUnavailable(_ message: String) -> RedisError {
        RedisError(code: .connectionUnavailable, message: message)
    }

    static func connectionClosed(_ message: String = "the connection closed before the reply arrived") -> RedisError {
        RedisError(code: .connectionClosed, message: message)
    }

    static func timeout(_ message: String = "no reply within the command timeout") -> RedisError {
        RedisError(code: .timeout, message: message)
    }

    static func serverError(_ message: String) -> RedisError {
        RedisError(code: .serverError, message: message)
    }

    static func protocolError(_ message: String) -> RedisError {
        RedisError(code: .protocolError, message: message)
    }

    static func authenticationFailed(_ message: String) -> RedisError {
        RedisError(code: .authenticationFailed, message: message)
    }

    static let clientShutDown = RedisError(code: .clientShutDown, message: "the client has shut down")
}
