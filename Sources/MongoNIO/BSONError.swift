/// A BSON document that cannot be decoded, or a value that cannot be encoded.
public struct BSONError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, stable across versions so callers can branch on it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case truncated, invalidLength, missingTerminator, invalidUTF8, invalidValue, unknownType
            case documentTooLarge, nestingTooDeep, trailingBytes, invalidCString
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The bytes end before a declared length or a fixed-size value does.
        public static let truncated = Code(.truncated)
        /// A length prefix is impossible (negative, too small) or disagrees with where its value ends.
        public static let invalidLength = Code(.invalidLength)
        /// A document, string or C string lacks its NUL terminator.
        public static let missingTerminator = Code(.missingTerminator)
        /// A string, key or regular expression is not valid UTF-8.
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// A value's bytes are not one of its allowed forms, such as a boolean byte other than 0 or 1.
        public static let invalidValue = Code(.invalidValue)
        /// An element type byte that BSON does not define.
        public static let unknownType = Code(.unknownType)
        /// A document larger than `BSONLimits.maxDocumentSize`, or too large for BSON's 32-bit length.
        public static let documentTooLarge = Code(.documentTooLarge)
        /// Documents and arrays nested deeper than `BSONLimits.maxDepth`.
        public static let nestingTooDeep = Code(.nestingTooDeep)
        /// Bytes follow the one document that was expected.
        public static let trailingBytes = Code(.trailingBytes)
        /// A key or regular expression to encode contains a NUL byte, which a BSON C string cannot hold.
        public static let invalidCString = Code(.invalidCString)

        /// The code's name, e.g. `truncated`.
        public var description: String {
            switch self.base {
            case .truncated: return "truncated"
            case .invalidLength: return "invalidLength"
            case .missingTerminator: return "missingTerminator"
            case .invalidUTF8: return "invalidUTF8"
            case .invalidValue: return "invalidValue"
            case .unknownType: return "unknownType"
            case .documentTooLarge: return "documentTooLarge"
            case .nestingTooDeep: return "nestingTooDeep"
            case .trailingBytes: return "trailingBytes"
            case .invalidCString: return "invalidCString"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// What was wrong and where, for people.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The code and message, e.g. `BSONError(truncated): string of 12 bytes at offset 9 runs past the document`.
    public var description: String {
        "BSONError(\(self.code)): \(self.message)"
    }
}
