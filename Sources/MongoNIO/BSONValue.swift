/// One BSON value.
///
/// Besides the types a client writes, the enum holds the deprecated and special types the BSON spec still defines
/// (`undefined`, `dbPointer`, `javascript`, `symbol`, `javascriptWithScope`, `minKey`, `maxKey`), so that any document
/// a server returns decodes and encodes again byte for byte. Doubles compare as `Double` does: `NaN` is not equal to
/// itself and `-0.0` equals `0.0`; compare `bitPattern`s where that matters.
public enum BSONValue: Sendable, Hashable {
    /// A 64-bit binary floating point number (0x01).
    case double(Double)
    /// A UTF-8 string (0x02).
    case string(String)
    /// An embedded document (0x03).
    case document(BSONDocument)
    /// An array (0x04), stored on the wire as a document keyed "0", "1", ...
    case array([BSONValue])
    /// Binary data (0x05).
    case binary(BSONBinary)
    /// Deprecated undefined (0x06); decoded so that old data can be read.
    case undefined
    /// An ObjectId (0x07).
    case objectID(BSONObjectID)
    /// A boolean (0x08).
    case bool(Bool)
    /// A UTC datetime (0x09): milliseconds since the Unix epoch.
    case datetime(Int64)
    /// Null (0x0A).
    case null
    /// A regular expression (0x0B).
    case regex(BSONRegex)
    /// Deprecated DBPointer (0x0C): a namespace and an ObjectId.
    case dbPointer(namespace: String, id: BSONObjectID)
    /// JavaScript code (0x0D).
    case javascript(String)
    /// Deprecated symbol (0x0E), a string by another name.
    case symbol(String)
    /// Deprecated JavaScript code with a scope document (0x0F).
    case javascriptWithScope(code: String, scope: BSONDocument)
    /// A 32-bit integer (0x10).
    case int32(Int32)
    /// MongoDB's replication timestamp (0x11).
    case timestamp(BSONTimestamp)
    /// A 64-bit integer (0x12).
    case int64(Int64)
    /// A 128-bit decimal floating point number (0x13).
    case decimal128(BSONDecimal128)
    /// The value that sorts before every other (0xFF).
    case minKey
    /// The value that sorts after every other (0x7F).
    case maxKey
}

extension BSONValue {
    /// The text of a string; `nil` for every other case, symbols and code included.
    public var stringValue: String? {
        if case .string(let value) = self {
            return value
        }
        return nil
    }

    /// An integer that an `Int64` holds exactly: an int32, an int64, or a double with no fractional part in range.
    public var int64Value: Int64? {
        switch self {
        case .int32(let value): return Int64(value)
        case .int64(let value): return value
        case .double(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// Any of the three binary number types as a `Double`; an int64 beyond 2^53 is rounded.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int32(let value): return Double(value)
        case .int64(let value): return Double(value)
        default: return nil
        }
    }

    /// The value of a boolean; `nil` for every other case.
    public var boolValue: Bool? {
        if case .bool(let value) = self {
            return value
        }
        return nil
    }

    /// The embedded document; `nil` for every other case.
    public var documentValue: BSONDocument? {
        if case .document(let value) = self {
            return value
        }
        return nil
    }

    /// The elements of an array; `nil` for every other case.
    public var arrayValue: [BSONValue]? {
        if case .array(let value) = self {
            return value
        }
        return nil
    }

    /// The milliseconds since the Unix epoch of a datetime; `nil` for every other case.
    public var datetimeValue: Int64? {
        if case .datetime(let value) = self {
            return value
        }
        return nil
    }

    /// The ObjectId; `nil` for every other case.
    public var objectIDValue: BSONObjectID? {
        if case .objectID(let value) = self {
            return value
        }
        return nil
    }

    /// The binary data; `nil` for every other case.
    public var binaryValue: BSONBinary? {
        if case .binary(let value) = self {
            return value
        }
        return nil
    }

    /// Whether the value is null.
    public var isNull: Bool {
        if case .null = self {
            return true
        }
        return false
    }
}

extension BSONValue: ExpressibleByStringLiteral {
    /// A string.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension BSONValue: ExpressibleByIntegerLiteral {
    /// An int64, so that a literal never overflows; write `.int32(...)` where a 32-bit integer is wanted.
    public init(integerLiteral value: Int64) {
        self = .int64(value)
    }
}

extension BSONValue: ExpressibleByFloatLiteral {
    /// A double.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension BSONValue: ExpressibleByBooleanLiteral {
    /// A boolean.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension BSONValue: ExpressibleByNilLiteral {
    /// Null.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension BSONValue: ExpressibleByArrayLiteral {
    /// An array.
    public init(arrayLiteral elements: BSONValue...) {
        self = .array(elements)
    }
}

extension BSONValue: ExpressibleByDictionaryLiteral {
    /// An embedded document, fields in the literal's order.
    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self = .document(BSONDocument(literal: elements))
    }
}
