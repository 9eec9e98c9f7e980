/// An OP_MSG that cannot be decoded or encoded.
public struct MongoWireError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, stable across versions so callers can branch on it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case invalidLength, messageTooLarge, unsupportedOpCode, unknownRequiredFlags, invalidSections, checksumMismatch
            case invalidDocument, invalidMessage
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The header's length is too small to hold an OP_MSG, or disagrees with what the message holds.
        public static let invalidLength = Code(.invalidLength)
        /// The message is longer than the decoder's `maxMessageSize`, or an encoded one longer than 2 GiB.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// The opcode is not OP_MSG's 2013 (OP_COMPRESSED and the legacy opcodes are not supported).
        public static let unsupportedOpCode = Code(.unsupportedOpCode)
        /// A flag bit among the required bits 0–15 that this implementation does not know.
        public static let unknownRequiredFlags = Code(.unknownRequiredFlags)
        /// The sections are not exactly one body plus document sequences: none or two bodies, an unknown kind, or a
        /// sequence whose length or identifier is malformed.
        public static let invalidSections = Code(.invalidSections)
        /// The message's CRC-32C does not match its bytes.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// A document in the message is malformed; see `bsonError`.
        public static let invalidDocument = Code(.invalidDocument)
        /// The message cannot be encoded: a document fails to encode, or an identifier holds a NUL byte.
        public static let invalidMessage = Code(.invalidMessage)

        /// The code's name, e.g. `checksumMismatch`.
        public var description: String {
            switch self.base {
            case .invalidLength: return "invalidLength"
            case .messageTooLarge: return "messageTooLarge"
            case .unsupportedOpCode: return "unsupportedOpCode"
            case .unknownRequiredFlags: return "unknownRequiredFlags"
            case .invalidSections: return "invalidSections"
            case .checksumMismatch: return "checksumMismatch"
            case .invalidDocument: return "invalidDocument"
            case .invalidMessage: return "invalidMessage"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// What was wrong and where, for people.
    public var message: String
    /// The BSON error behind an `invalidDocument` or `invalidMessage`, if one is.
    public var bsonError: BSONError?

    /// Creates an error.
    public init(code: Code, message: String, bsonError: BSONError? = nil) {
        self.code = code
        self.message = message
        self.bsonError = bsonError
    }

    /// The code and message, e.g. `MongoWireError(checksumMismatch): ...`.
    public var description: String {
        "MongoWireError(\(self.code)): \(self.message)"
    }
}
