/// An error from the Cassandra client: an ERROR frame from the server, or what the client saw go wrong.
public struct CassandraError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, stable across versions so callers can branch on it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case serverError, protocolError, authenticationError, unavailable, overloaded, isBootstrapping, truncateError
            case writeTimeout, readTimeout, readFailure, functionFailure, writeFailure, syntaxError, unauthorized, invalid
            case configError, alreadyExists, unprepared
            /// An ERROR code this client does not know.
            case otherServerError(Int32)
            case connectionClosed, connectionFailed, requestTimeout, noHostAvailable, protocolViolation, frameTooLarge, shutdown
            case streamIDsExhausted, invalidArgument
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// 0x0000: the server hit an unexpected error (a server bug).
        public static let serverError = Code(.serverError)
        /// 0x000A: the server saw a protocol violation in what the client sent.
        public static let protocolError = Code(.protocolError)
        /// 0x0100: the server refused the credentials (or the client had none to give).
        public static let authenticationError = Code(.authenticationError)
        /// 0x1000: too few replicas alive for the consistency level; see `Details.unavailable`.
        public static let unavailable = Code(.unavailable)
        /// 0x1001: the coordinator is overloaded.
        public static let overloaded = Code(.overloaded)
        /// 0x1002: the coordinator is bootstrapping.
        public static let isBootstrapping = Code(.isBootstrapping)
        /// 0x1003: a truncation failed.
        public static let truncateError = Code(.truncateError)
        /// 0x1100: replicas did not acknowledge a write in time; see `Details.writeTimeout`.
        public static let writeTimeout = Code(.writeTimeout)
        /// 0x1200: replicas did not answer a read in time; see `Details.readTimeout`.
        public static let readTimeout = Code(.readTimeout)
        /// 0x1300: replicas failed a read; see `Details.readFailure`.
        public static let readFailure = Code(.readFailure)
        /// 0x1400: a user-defined function failed; see `Details.functionFailure`.
        public static let functionFailure = Code(.functionFailure)
        /// 0x1500: replicas failed a write; see `Details.writeFailure`.
        public static let writeFailure = Code(.writeFailure)
        /// 0x2000: the CQL does not parse.
        public static let syntaxError = Code(.syntaxError)
        /// 0x2100: the user may not do this.
        public static let unauthorized = Code(.unauthorized)
        /// 0x2200: the CQL parses but is invalid (unknown table, wrong types, ...).
        public static let invalid = Code(.invalid)
        /// 0x2300: the statement conflicts with the configuration.
        public static let configError = Code(.configError)
        /// 0x2400: the keyspace or table exists; see `Details.alreadyExists`.
        public static let alreadyExists = Code(.alreadyExists)
        /// 0x2500: the node does not know the prepared statement id; see `Details.unprepared`.
        public static let unprepared = Code(.unprepared)

        /// The connection closed after the request was written and before its answer: it may have run.
        public static let connectionClosed = Code(.connectionClosed)
        /// A connection could not be set up (refused, TLS, handshake, or no handshake answer in time).
        public static let connectionFailed = Code(.connectionFailed)
        /// No answer arrived within `requestTimeout`; the request may still run.
        public static let requestTimeout = Code(.requestTimeout)
        /// No node is up, so the request was not sent.
        public static let noHostAvailable = Code(.noHostAvailable)
        /// The server sent bytes that break the protocol, or an answer that does not fit the request.
        public static let protocolViolation = Code(.protocolViolation)
        /// A frame claimed a body larger than `maxFrameBytes`; the connection was closed.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// The client has shut down and sends nothing more.
        public static let shutdown = Code(.shutdown)
        /// Every one of the connection's 32768 stream ids is in use, so the request was not sent.
        public static let streamIDsExhausted = Code(.streamIDsExhausted)
        /// The request cannot be encoded (more than 65535 values or statements, say); it was not sent.
        public static let invalidArgument = Code(.invalidArgument)

        /// The code of an ERROR frame as the protocol numbers it.
        static func server(_ code: Int32) -> Code {
            switch code {
            case 0x0000: return .serverError
            case 0x000A: return .protocolError
            case 0x0100: return .authenticationError
            case 0x1000: return .unavailable
            case 0x1001: return .overloaded
            case 0x1002: return .isBootstrapping
            case 0x1003: return .truncateError
            case 0x1100: return .writeTimeout
            case 0x1200: return .readTimeout
            case 0x1300: return .readFailure
            case 0x1400: return .functionFailure
            case 0x1500: return .writeFailure
            case 0x2000: return .syntaxError
            case 0x2100: return .unauthorized
            case 0x2200: return .invalid
            case 0x2300: return .configError
            case 0x2400: return .alreadyExists
            case 0x2500: return .unprepared
            default: return Code(.otherServerError(code))
            }
        }

        /// The protocol's number for a server code; `nil` for the client's own codes.
        public var serverCode: Int32? {
            switch self.base {
            case .serverError: return 0x0000
            case .protocolError: return 0x000A
            case .authenticationError: return 0x0100
            case .unavailable: return 0x1000
            case .overloaded: return 0x1001
            case .isBootstrapping: return 0x1002
            case .truncateError: return 0x1003
            case .writeTimeout: return 0x1100
            case .readTimeout: return 0x1200
            case .readFailure: return 0x1300
            case .functionFailure: return 0x1400
            case .writeFailure: return 0x1500
            case .syntaxError: return 0x2000
            case .unauthorized: return 0x2100
            case .invalid: return 0x2200
            case .configError: return 0x2300
            case .alreadyExists: return 0x2400
            case .unprepared: return 0x2500
            case .otherServerError(let code): return code
            case .connectionClosed, .connectionFailed, .requestTimeout, .noHostAvailable, .protocolViolation, .frameTooLarge,
                .shutdown, .streamIDsExhausted, .invalidArgument:
                return nil
            }
        }

        /// The code's name, e.g. `writeTimeout`.
        public var description: String {
            switch self.base {
            case .serverError: return "serverError"
            case .protocolError: return "protocolError"
            case .authenticationError: return "authenticationError"
            case .unavailable: return "unavailable"
            case .overloaded: return "overloaded"
            case .isBootstrapping: return "isBootstrapping"
            case .truncateError: return "truncateError"
            case .writeTimeout: return "writeTimeout"
            case .readTimeout: return "readTimeout"
            case .readFailure: return "readFailure"
            case .functionFailure: return "functionFailure"
            case .writeFailure: return "writeFailure"
            case .syntaxError: return "syntaxError"
            case .unauthorized: return "unauthorized"
            case .invalid: return "invalid"
            case .configError: return "configError"
            case .alreadyExists: return "alreadyExists"
            case .unprepared: return "unprepared"
            case .otherServerError(let code): return "serverCode(0x\(String(code, radix: 16)))"
            case .connectionClosed: return "connectionClosed"
            case .connectionFailed: return "connectionFailed"
            case .requestTimeout: return "requestTimeout"
            case .noHostAvailable: return "noHostAvailable"
            case .protocolViolation: return "protocolViolation"
            case .frameTooLarge: return "frameTooLarge"
            case .shutdown: return "shutdown"
            case .streamIDsExhausted: return "streamIDsExhausted"
            case .invalidArgument: return "invalidArgument"
            }
        }
    }

    /// The extra fields some ERROR codes carry.
    public enum Details: Sendable, Hashable {
        /// The code carries no extra fields.
        case none
        /// `unavailable`: the consistency asked for, the replicas it needs, and those known alive.
        case unavailable(consistency: CassandraConsistency, required: Int32, alive: Int32)
        /// `writeTimeout`: acknowledgements received and needed, and the kind of write (`SIMPLE`, `BATCH`, ...).
        case writeTimeout(consistency: CassandraConsistency, received: Int32, blockFor: Int32, writeType: String)
        /// `readTimeout`: answers received and needed, and whether the replica asked for data answered.
        case readTimeout(consistency: CassandraConsistency, received: Int32, blockFor: Int32, dataPresent: Bool)
        /// `readFailure`: like `readTimeout`, plus how many replicas failed.
        case readFailure(consistency: CassandraConsistency, received: Int32, blockFor: Int32, failures: Int32, dataPresent: Bool)
        /// `functionFailure`: the failed function and its argument types.
        case functionFailure(keyspace: String, function: String, argumentTypes: [String])
        /// `writeFailure`: like `writeTimeout`, plus how many replicas failed.
        case writeFailure(consistency: CassandraConsistency, received: Int32, blockFor: Int32, failures: Int32, writeType: String)
        /// `alreadyExists`: the keyspace, and the table (empty when the keyspace itself exists).
        case alreadyExists(keyspace: String, table: String)
        /// `unprepared`: the id the node does not know.
        case unprepared(id: [UInt8])
    }

    /// What went wrong.
    public var code: Code
    /// The server's error text, or what the client saw.
    public var message: String
    /// The code's extra fields.
    public var details: Details

    /// Creates an error.
    public init(code: Code, message: String, details: Details = .none) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// Whether the backend as a whole is unreachable or overwhelmed rather than the request wrong: connection
    /// problems, timeouts, no node up, and the server's unavailable, overloaded, bootstrapping and replica timeouts.
    public var isUnavailable: Bool {
        switch self.code {
        case .connectionClosed, .connectionFailed, .requestTimeout, .noHostAvailable, .shutdown, .streamIDsExhausted,
            .unavailable, .overloaded, .isBootstrapping, .writeTimeout, .readTimeout:
            return true
        default:
            return false
        }
    }

    /// The code, message and details, e.g. `CassandraError(invalid): unconfigured table nope`.
    public var description: String {
        var text = "CassandraError(\(self.code)): \(self.message)"
        if self.details != .none {
            text += " \(self.details)"
        }
        return text
    }
}

extension CassandraError {
    static func protocolViolation(_ message: String) -> CassandraError {
        CassandraError(code: .protocolViolation, message: message)
    }

    static func connectionClosed(_ message: String = "the connection closed before the answer arrived") -> CassandraError {
        CassandraError(code: .connectionClosed, message: message)
    }

    static func connectionFailed(_ message: String) -> CassandraError {
        CassandraError(code: .connectionFailed, message: message)
    }

    static func requestTimeout(_ message: String = "no answer within the request timeout") -> CassandraError {
        CassandraError(code: .requestTimeout, message: message)
    }

    static func noHostAvailable(_ message: String) -> CassandraError {
        CassandraError(code: .noHostAvailable, message: message)
    }

    static func invalidArgument(_ message: String) -> CassandraError {
        CassandraError(code: .invalidArgument, message: message)
    }

    static let shutdown = CassandraError(code: .shutdown, message: "the client has shut down")
}
