import IoTFlowCore
import Testing

@Suite("JSON round trip: write then parse gives the same value")
struct JSONRoundTripTests {
    static let fixed: [JSONValue] = [
        nil, true, false, 0, -1, .int(Int64.max), .int(Int64.min), 0.5, -0.0, 1e-300, .double(.leastNonzeroMagnitude), 1.7976931348623157e308,
        123.456, 1000.0,
        "", "plain", "quote \" backslash \\ slash /", "controls \u{0}\u{1}\u{8}\u{C}\n\r\t\u{1F}\u{7F}", "é ü ß 中文 😀 👩‍👩‍👧",
        [], [:], [nil, [nil, [nil]]], ["": "", " ": [" "]],
        ["temperature": 21.5, "on": true, "tags": ["a", "b"], "nested": ["deep": ["deeper": [1, 2.5, "x"]]]],
    ]

    @Test("fixed values", arguments: Self.fixed)
    func fixedValue(value: JSONValue) throws {
        #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
    }

    @Test("2000 generated values from a seeded generator")
    func generated() throws {
        var generator = JSONValueGenerator(seed: 0x1075_F10E)
        for index in 0..<2000 {
            let value = generator.value(depth: 0)
            let text = JSONWriter.string(value)
            let parsed = try JSONParser.parse(text)
            #expect(parsed == value, "value #\(index): \(text)")
        }
    }
}

/// Builds random JSON values (finite doubles, any scalar string, nesting up to 4 levels).
struct JSONValueGenerator {
    private var rng: SplitMix64
    private static let pool: [Character] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "中", "😀", "\u{FFFF}", "\u{10FFFF}",
    ]

    init(seed: UInt64) {
        self.rng = SplitMix64(seed: seed)
    }

    mutating func value(depth: Int) -> JSONValue {
        let kinds = depth >= 4 ? 5 : 7
        switch Int.random(in: 0..<kinds, using: &self.rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &self.rng))
        case 2: return .int(Int64(bitPattern: self.rng.next()) >> Int64.random(in: 0..<63, using: &self.rng))
        case 3: return .double(self.double())
        case 4: return .string(self.string())
        case 5: return .array((0..<Int.random(in: 0..<5, using: &self.rng)).map { _ in self.value(depth: depth + 1) })
        default:
            let count = Int.random(in: 0..<5, using: &self.rng)
            return .object(JSONObject((0..<count).map { _ in (key: self.string(), value: self.value(depth: depth + 1)) }))
        }
    }

    private mutating func double() -> Double {
        while true {
            let candidate: Double
            if Bool.random(using: &self.rng) {
                candidate = Double(bitPattern: self.rng.next())
            } else {
                candidate = Double(Int.random(in: -1_000_000...1_000_000, using: &self.rng)) / 64
            }
            if candidate.isFinite { return candidate }
        }
    }

    private mutating func string() -> String {
        let count = Int.random(in: 0..<12, using: &self.rng)
        if Bool.random(using: &self.rng) {
            return String((0..<count).map { _ in Self.pool.randomElement(using: &self.rng)! })
        }
        var scalars = String.UnicodeScalarView()
        while scalars.count < count {
            if let scalar = Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &self.rng)) { scalars.append(scalar) }
        }
        return String(scalars)
    }
}
