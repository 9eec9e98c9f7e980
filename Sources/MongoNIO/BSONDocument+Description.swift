extension BSONDocument: CustomStringConvertible {
    /// The fields in a shell-like notation for logs and test failures: `{"hello": "world", "n": Int32(1)}`.
    ///
    /// Not extended JSON and not meant to be parsed. Integer literals make int64s, so int64s print bare and int32s
    /// marked; doubles always show a fraction or exponent.
    public var description: String {
        "{" + self.map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + "}"
    }
}

extension BSONValue: CustomStringConvertible {
    /// The value in the notation of `BSONDocument.description`.
    public var description: String {
        switch self {
        case .double(let value): return "\(value)"
        case .string(let value): return value.debugDescription
        case .document(let document): return document.description
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .binary(let binary): return "Binary(subtype: 0x\(String(binary.subtype, radix: 16)), \(binary.data.count) bytes)"
        case .undefined: return "undefined"
        case .objectID(let id): return "ObjectId(\"\(id.hex)\")"
        case .bool(let value): return "\(value)"
        case .datetime(let milliseconds): return "Date(\(milliseconds))"
        case .null: return "null"
        case .regex(let regex): return "/\(regex.pattern)/\(regex.options)"
        case .dbPointer(let namespace, let id): return "DBPointer(\(namespace.debugDescription), ObjectId(\"\(id.hex)\"))"
        case .javascript(let code): return "Code(\(code.debugDescription))"
        case .symbol(let value): return "Symbol(\(value.debugDescription))"
        case .javascriptWithScope(let code, let scope): return "Code(\(code.debugDescription), \(scope))"
        case .int32(let value): return "Int32(\(value))"
        case .timestamp(let timestamp): return "Timestamp(\(timestamp.seconds), \(timestamp.increment))"
        case .int64(let value): return "\(value)"
        case .decimal128(let value): return "Decimal128(\"\(value)\")"
        case .minKey: return "MinKey"
        case .maxKey: return "MaxKey"
        }
    }
}
