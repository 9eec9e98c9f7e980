import Foundation

/// A decoded JSON document that keeps the distinction between booleans, numbers, strings and null.
///
/// `JSONSerialization` bridges booleans to `NSNumber` on Linux, which would let `1` pass for `true`;
/// this type decodes strictly so the tests can check JSON types exactly.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var double: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number as an `Int` when it is integral.
    var int: Int? {
        if case .number(let value) = self, value.rounded() == value, abs(value) < 9e15 { return Int(value) }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The keys of an object, empty for anything else.
    var keys: Set<String> {
        Set(self.object.map { Array($0.keys) } ?? [])
    }

    /// Serialises the value as a UTF-8 JSON document.
    func encoded() throws -> Data {
        try JSONEncoder().encode(self)
    }

    /// Serialises the value as a JSON string.
    func text() throws -> String {
        String(decoding: try self.encoded(), as: UTF8.self)
    }
}

extension Optional where Wrapped == JSONValue {
    subscript(key: String) -> JSONValue? {
        self.flatMap { $0[key] }
    }

    subscript(index: Int) -> JSONValue? {
        self.flatMap { $0[index] }
    }

    var string: String? { self.flatMap { $0.string } }
    var double: Double? { self.flatMap { $0.double } }
    var int: Int? { self.flatMap { $0.int } }
    var bool: Bool? { self.flatMap { $0.bool } }
    var array: [JSONValue]? { self.flatMap { $0.array } }
    var object: [String: JSONValue]? { self.flatMap { $0.object } }
    var isNull: Bool { self.map { $0.isNull } ?? false }
    var keys: Set<String> { self.map { $0.keys } ?? [] }
}

extension JSONValue: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Integral numbers go out without a fraction so epoch-millisecond timestamps stay integers.
            if value.rounded() == value, abs(value) < 9e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    init(integerLiteral value: Int) {
        self = .number(Double(value))
    }
}

extension JSONValue: ExpressibleByFloatLiteral {
    init(floatLiteral value: Double) {
        self = .number(value)
    }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    init(nilLiteral: ()) {
        self = .null
    }
}
