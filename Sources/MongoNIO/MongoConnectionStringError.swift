/// A connection string that cannot be used. The message names the part at fault but never repeats a password.
public struct MongoConnectionStringError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, stable across versions so callers can branch on it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case invalidScheme, invalidUserInfo, invalidHost, invalidDatabase, invalidOption, unsupported
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Not `mongodb://`.
        public static let invalidScheme = Code(.invalidScheme)
        /// The user name or password: unescaped reserved characters, bad percent-encoding, an empty user name.
        public static let invalidUserInfo = Code(.invalidUserInfo)
        /// No host, an empty host, a bad port, an IPv6 address without brackets.
        public static let invalidHost = Code(.invalidHost)
        /// The database name holds a character MongoDB forbids, or bad percent-encoding.
        public static let invalidDatabase = Code(.invalidDatabase)
        /// An option without `=`, with a value its type does not allow, or contradicting another.
        public static let invalidOption = Code(.invalidOption)
        /// Valid for MongoDB, but not for this client: `mongodb+srv://`, another auth mechanism, UNIX sockets.
        public static let unsupported = Code(.unsupported)

        /// The code's name, e.g. `invalidHost`.
        public var description: String {
            switch self.base {
            case .invalidScheme: return "invalidScheme"
            case .invalidUserInfo: return "invalidUserInfo"
            case .invalidHost: return "invalidHost"
            case .invalidDatabase: return "invalidDatabase"
            case .invalidOption: return "invalidOption"
            case .unsupported: return "unsupported"
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

    /// The code and message, e.g. `MongoConnectionStringError(invalidHost): port 0 of "db" is not in 1...65535`.
    public var description: String {
        "MongoConnectionStringError(\(self.code)): \(self.message)"
    }
}
