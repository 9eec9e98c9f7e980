/// An error from the MongoDB client: a server's `ok: 0` answer, per-document write errors, or what the client saw go
/// wrong. Never carries a password.
public struct MongoError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, stable across versions so callers can branch on it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case server
            case writeErrors
            case timeout
            case connectionClosed
            case connectionUnavailable
            case authenticationFailed
            case protocolViolation
            case messageTooLarge
            case noPrimary
            case clientShutDown
            case invalidArgument
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The server answered the command with `ok: 0`; see `serverCode`, `codeName` and `message`.
        public static let server = Code(.server)
        /// Some documents of a write failed (`writeErrors`); the others were written, see `insertedCount`.
        public static let writeErrors = Code(.writeErrors)
        /// No answer arrived within the request timeout; the command may still run on the server.
        public static let timeout = Code(.timeout)
        /// The connection closed after the command was written and before its answer: the server may have run it.
        public static let connectionClosed = Code(.connectionClosed)
        /// The command was not sent: no connection to the primary is up, or the one it was given was already closing.
        public static let connectionUnavailable = Code(.connectionUnavailable)
        /// The server refused the credentials, or could not prove it knows them.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The server sent bytes that break the wire protocol, or an answer that does not fit the command.
        public static let protocolViolation = Code(.protocolViolation)
        /// The message is larger than the server accepts (`maxMessageSizeBytes`, `maxBsonObjectSize`); it was not sent.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// Servers answer, but none of them is a writable primary.
        public static let noPrimary = Code(.noPrimary)
        /// The client has shut down and sends nothing more.
        public static let clientShutDown = Code(.clientShutDown)
        /// The call's arguments cannot make a valid command; nothing was sent.
        public static let invalidArgument = Code(.invalidArgument)

        /// The code's name.
        public var description: String {
            switch self.base {
            case .server: return "server"
            case .writeErrors: return "writeErrors"
            case .timeout: return "timeout"
            case .connectionClosed: return "connectionClosed"
            case .connectionUnavailable: return "connectionUnavailable"
            case .authenticationFailed: return "authenticationFailed"
            case .protocolViolation: return "protocolViolation"
            case .messageTooLarge: return "messageTooLarge"
            case .noPrimary: return "noPrimary"
            case .clientShutDown: return "clientShutDown"
            case .invalidArgument: return "invalidArgument"
            }
        }
    }

    /// One document of a write that the server refused.
    public struct WriteError: Sendable, Hashable, CustomStringConvertible {
        /// The document's position in the caller's array (not in the batch it was sent in).
        public var index: Int
        /// The server's error code, e.g. 11000 for a duplicate key.
        public var code: Int
        /// The server's error text.
        public var message: String

        /// Creates a write error.
        public init(index: Int, code: Int, message: String) {
            self.index = index
            self.code = code
            self.message = message
        }

        /// Whether a unique index refused the document.
        public var isDuplicateKey: Bool {
            MongoError.duplicateKeyCodes.contains(self.code)
        }

        /// The index, code and message, e.g. `#3 (11000): E11000 duplicate key error`.
        public var description: String {
            "#\(self.index) (\(self.code)): \(self.message)"
        }
    }

    /// The codes a server uses for a duplicate key.
    static let duplicateKeyCodes: Set<Int> = [11000, 11001, 12582]

    /// What went wrong.
    public var code: Code
    /// Details for people: the server's `errmsg`, or what the client saw.
    public var message: String
    /// The server's numeric error code, when the server answered with one.
    public var serverCode: Int?
    /// The server's name for the error code, e.g. `DuplicateKey`, when the server gave one.
    public var codeName: String?
    /// The documents a write refused, by position in the caller's array; empty unless `code` is `.writeErrors`.
    public var writeErrors: [WriteError]
    /// How many documents of a failed write were written anyway; `nil` unless `code` is `.writeErrors`.
    public var insertedCount: Int?

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        serverCode: Int? = nil,
        codeName: String? = nil,
        writeErrors: [WriteError] = [],
        insertedCount: Int? = nil
    ) {
        self.code = code
        self.message = message
        self.serverCode = serverCode
        self.codeName = codeName
        self.writeErrors = writeErrors
        self.insertedCount = insertedCount
    }

    /// Whether a unique index refused the write: the server error is a duplicate key, or every refused document is.
    public var isDuplicateKey: Bool {
        if let serverCode = self.serverCode, Self.duplicateKeyCodes.contains(serverCode) {
            return true
        }
        return !self.writeErrors.isEmpty && self.writeErrors.allSatisfy(\.isDuplicateKey)
    }

    /// The code, the server's code and name when there are some, and the message.
    public var description: String {
        var text = "MongoError(\(self.code)"
        if let serverCode = self.serverCode {
            text += ", \(serverCode)"
        }
        if let codeName = self.codeName {
            text += " \(codeName)"
        }
        text += "): \(self.message)"
        if !self.writeErrors.isEmpty {
            let shown = self.writeErrors.prefix(5).map(\.description).joined(separator: "; ")
            let more = self.writeErrors.count > 5 ? "; and \(self.writeErrors.count - 5) more" : ""
            text += " [\(shown)\(more)]"
        }
        return text
    }
}

extension MongoError {
    static func server(code: Int?, codeName: String?, message: String) -> MongoError {
        MongoError(code: .server, message: message, serverCode: code, codeName: codeName)
    }

    static func timeout(_ message: String = "no answer within the request timeout") -> MongoError {
        MongoError(code: .timeout, message: message)
    }

    static func connectionClosed(_ message: String = "the connection closed before the answer arrived") -> MongoError {
        MongoError(code: .connectionClosed, message: message)
    }

    static func connectionUnavailable(_ message: String) -> MongoError {
        MongoError(code: .connectionUnavailable, message: message)
    }

    static func authenticationFailed(_ message: String, serverCode: Int? = nil, codeName: String? = nil) -> MongoError {
        MongoError(code: .authenticationFailed, message: message, serverCode: serverCode, codeName: codeName)
    }

    static func protocolViolation(_ message: String) -> MongoError {
        MongoError(code: .protocolViolation, message: message)
    }

    static func messageTooLarge(_ message: String) -> MongoError {
        MongoError(code: .messageTooLarge, message: message)
    }

    static func noPrimary(_ message: String) -> MongoError {
        MongoError(code: .noPrimary, message: message)
    }

    static func invalidArgument(_ message: String) -> MongoError {
        MongoError(code: .invalidArgument, message: message)
    }

    static let clientShutDown = MongoError(code: .clientShutDown, message: "the client has shut down")
}
