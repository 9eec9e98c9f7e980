/// A time as clients write it (`now`, `-15m`, ISO 8601, epoch milliseconds), parsed but not yet resolved:
/// relative times are resolved against the service's clock, so the boundary never reads the clock itself.
public enum TimeSpec: Sendable, Equatable {
    /// The moment of resolution.
    case now
    /// This many milliseconds before the moment of resolution.
    case ago(milliseconds: Int64)
    /// An absolute time, epoch milliseconds.
    case at(milliseconds: Int64)

    /// Parses a textual expression; nil when it is not one of the accepted forms (`+2h`, `1h`, `-1y`, `yesterday` are not).
    public init?(_ text: String) {
        let trimmed = text.trimmingSpaces
        if trimmed == "now" {
            self = .now
            return
        }
        let utf8 = Array(trimmed.utf8)
        if utf8.first == UInt8(ascii: "-"), utf8.count >= 3, let unit = utf8.last, let scale = TimeExpression.relativeUnits[unit] {
            let digits = utf8[1..<(utf8.count - 1)]
            // Int64("+5") parses, so check the digits first: "-+5m" is not a relative time.
            guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let amount = Int64(String(decoding: digits, as: UTF8.self)), amount <= 1_000_000
            else { return nil }
            self = .ago(milliseconds: amount * scale)
            return
        }
        if !utf8.isEmpty, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let milliseconds = Int64(trimmed) else { return nil }
            self = .at(milliseconds: milliseconds)
            return
        }
        guard let milliseconds = ISO8601.parse(trimmed) else { return nil }
        self = .at(milliseconds: milliseconds)
    }

    /// Earliest time answers can write in ISO 8601: 0001-01-01T00:00:00.000Z.
    public static let earliest: Int64 = -62_135_596_800_000
    /// Latest time answers can write in ISO 8601: 9999-12-31T23:59:59.999Z.
    public static let latest: Int64 = 253_402_300_799_999

    /// The time in epoch milliseconds, relative forms counted back from `now`, kept within the years 1 to 9999
    /// that answers can write (`-1000000w` means "since the year 1", a 19-digit epoch "until the year 9999").
    public func resolve(now: Int64) -> Int64 {
        let time: Int64
        switch self {
        case .now: time = now
        case .ago(let milliseconds): time = now - milliseconds
        case .at(let milliseconds): time = milliseconds
        }
        return min(max(time, Self.earliest), Self.latest)
    }
}
