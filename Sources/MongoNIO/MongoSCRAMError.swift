/// A SCRAM-SHA-256 conversation that cannot go on: the server's messages are malformed or fail a check, or the
/// password is not a valid SASLprep string. Never carries the password.
public struct MongoSCRAMError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, stable across versions so callers can branch on it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case invalidServerMessage, nonceMismatch, iterationCountTooLow, serverSignatureMismatch, serverError
            case invalidPassword, outOfOrder
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A server message is not what SCRAM defines: a missing or malformed attribute.
        public static let invalidServerMessage = Code(.invalidServerMessage)
        /// The server's nonce does not extend the client's: a replay or a confused server.
        public static let nonceMismatch = Code(.nonceMismatch)
        /// The server asked for fewer than 4096 iterations, which MongoDB's auth spec forbids as a downgrade.
        public static let iterationCountTooLow = Code(.iterationCountTooLow)
        /// The server's signature is wrong: it does not know the password, or something sits in between.
        public static let serverSignatureMismatch = Code(.serverSignatureMismatch)
        /// The server ended the conversation with an `e=` error; `message` has its text.
        public static let serverError = Code(.serverError)
        /// The password holds characters SASLprep prohibits (controls, private use, broken bidirectional text, ...).
        public static let invalidPassword = Code(.invalidPassword)
        /// A step was called before the one it follows.
        public static let outOfOrder = Code(.outOfOrder)

        /// The code's name, e.g. `nonceMismatch`.
        public var description: String {
            switch self.base {
            case .invalidServerMessage: return "invalidServerMessage"
            case .nonceMismatch: return "nonceMismatch"
            case .iterationCountTooLow: return "iterationCountTooLow"
            case .serverSignatureMismatch: return "serverSignatureMismatch"
            case .serverError: return "serverError"
            case .invalidPassword: return "invalidPassword"
            case .outOfOrder: return "outOfOrder"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// What was wrong, for people.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The code and message, e.g. `MongoSCRAMError(nonceMismatch): ...`.
    public var description: String {
        "MongoSCRAMError(\(self.code)): \(self.message)"
    }
}
