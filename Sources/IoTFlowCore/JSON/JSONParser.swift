/// A strict RFC 8259 parser producing ``JSONValue``.
///
/// Written by hand rather than through `JSONDecoder` so the domain can tell integers from
/// fractions, keep error messages short and safe to show, bound nesting depth, and avoid a
/// Foundation round trip on the ingest hot path.
public struct JSONParser {
    /// Why a document was rejected; `description` is safe to show to clients.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What is wrong and at which byte offset.
        public let description: String
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private let maxDepth: Int

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses one JSON document; trailing non-whitespace is an error.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 64) throws(Failure) -> JSONValue {
        let array = Array(bytes)
        do {
            return try array.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
                parser.skipWhitespace()
                let value = try parser.parseValue(depth: 0)
                parser.skipWhitespace()
                guard parser.index == buffer.count else { throw parser.failure("unexpected data after the JSON value") }
                return value
            }
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(description: "invalid JSON")
        }
    }

    /// Parses a JSON document held in a string.
    public static func parse(_ string: String) throws(Failure) -> JSONValue {
        try self.parse(Array(string.utf8))
    }

    private func failure(_ what: String) -> Failure {
        Failure(description: "\(what) at byte \(self.index)")
    }

    private var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            self.index += 1
        }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard let byte = self.current else { throw self.failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): try self.expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try self.expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try self.expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
        default: throw self.failure("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.failure("invalid literal") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where self.bytes[self.index + offset] != expected[offset] {
            throw self.failure("invalid literal")
        }
        self.index += count
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= self.maxDepth else { throw self.failure("nesting too deep") }
        self.index += 1
        var members: [(key: String, value: JSONValue)] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(JSONObject(members))
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else { throw self.failure("expected a string key") }
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw self.failure("expected ':'") }
            self.index += 1
            self.skipWhitespace()
            let value = try self.parseValue(depth: depth)
            members.append((key, value))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(JSONObject(members))
            default: throw self.failure("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= self.maxDepth else { throw self.failure("nesting too deep") }
        self.index += 1
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            self.skipWhitespace()
            elements.append(try self.parseValue(depth: depth))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default: throw self.failure("expected ',' or ']'")
            }
        }
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = self.index
        var isInteger = true
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw self.failure("invalid number")
        }
        if first == UInt8(ascii: "0") {
            self.index += 1
        } else {
            self.skipDigits()
        }
        if self.current == UInt8(ascii: ".") {
            isInteger = false
            self.index += 1
            guard self.skipDigits() > 0 else { throw self.failure("invalid number") }
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            isInteger = false
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard self.skipDigits() > 0 else { throw self.failure("invalid number") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        if isInteger, let integer = Int64(text) {
            return .int(integer)
        }
        guard let double = Double(text), double.isFinite else { throw self.failure("number out of range") }
        return .double(double)
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = self.index
        while let byte = self.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            self.index += 1
        }
        return self.index - start
    }

    private mutating func parseString() throws -> String {
        self.index += 1
        let start = self.index
        // Fast path: no escapes, so the bytes can be validated and copied in one go.
        while let byte = self.current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw self.failure("control character in string") }
            self.index += 1
        }
        guard let stop = self.current else { throw self.failure("unterminated string") }
        var utf8 = Array(UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]))
        if stop == UInt8(ascii: "\\") {
            try self.parseEscapedTail(into: &utf8)
        } else {
            self.index += 1
        }
        guard let string = String(validating: utf8, as: UTF8.self) else { throw self.failure("invalid UTF-8 in string") }
        return string
    }

    private mutating func parseEscapedTail(into utf8: inout [UInt8]) throws {
        while let byte = self.current {
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return
            case UInt8(ascii: "\\"):
                guard let escape = self.current else { throw self.failure("unterminated string") }
                self.index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): try self.appendUnicodeEscape(into: &utf8)
                default: throw self.failure("invalid escape")
                }
            default:
                guard byte >= 0x20 else { throw self.failure("control character in string") }
                utf8.append(byte)
            }
        }
        throw self.failure("unterminated string")
    }

    private mutating func readHex4() throws -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.failure("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw self.failure("invalid \\u escape")
            }
            value = value << 4 | digit
            self.index += 1
        }
        return value
    }

    private mutating func appendUnicodeEscape(into utf8: inout [UInt8]) throws {
        var scalarValue = try self.readHex4()
        if (0xD800...0xDBFF).contains(scalarValue) {
            guard self.current == UInt8(ascii: "\\"), self.index + 1 < self.bytes.count, self.bytes[self.index + 1] == UInt8(ascii: "u")
            else { throw self.failure("unpaired surrogate") }
            self.index += 2
            let low = try self.readHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw self.failure("unpaired surrogate") }
            scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw self.failure("unpaired surrogate") }
        utf8.append(contentsOf: String(Character(scalar)).utf8)
    }
}
