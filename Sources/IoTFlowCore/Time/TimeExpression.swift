/// Resolves the time expressions API clients send: `now`, `-15m`, ISO 8601, or epoch milliseconds.
public enum TimeExpression {
    /// Units allowed in relative times, in milliseconds.
    static let relativeUnits: [UInt8: Int64] = [
        UInt8(ascii: "s"): 1000,
        UInt8(ascii: "m"): 60_000,
        UInt8(ascii: "h"): 3_600_000,
        UInt8(ascii: "d"): 86_400_000,
        UInt8(ascii: "w"): 604_800_000,
    ]

    /// Resolves a textual expression against `now` (epoch ms); nil when it is not one of the accepted forms.
    public static func resolve(_ text: String, now: Int64) -> Int64? {
        TimeSpec(text)?.resolve(now: now)
    }

    /// Resolves a JSON value (string expression or integer epoch ms); nil when it is neither.
    public static func resolve(_ value: JSONValue, now: Int64) -> Int64? {
        switch value {
        case .string(let text): Self.resolve(text, now: now)
        case .int(let milliseconds): milliseconds
        case .double(let double) where double.rounded() == double && abs(double) < 9e15: Int64(double)
        default: nil
        }
    }
}

/// A positive window length such as `10s`, `5m`, `1h`, `1d` used by aggregation.
public enum WindowExpression {
    /// The window in milliseconds, or nil when `text` is not a positive integer followed by s, m, h, d or w.
    public static func milliseconds(_ text: String) -> Int64? {
        let utf8 = Array(text.utf8)
        let digits = utf8.dropLast()
        guard utf8.count >= 2, let unit = utf8.last, let scale = TimeExpression.relativeUnits[unit],
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let amount = Int64(String(decoding: digits, as: UTF8.self)), amount > 0, amount <= 10_000_000
        else { return nil }
        return amount * scale
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
