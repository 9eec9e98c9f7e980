import Foundation

/// Times in the tests are epoch milliseconds, so that expected ISO strings can be computed exactly.
enum TestTime {
    static let second: Int64 = 1000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour

    /// The current time in epoch milliseconds.
    static func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The start of the current hour minus `hours` hours, a fixed anchor for bucketed data.
    static func hourAligned(hoursAgo hours: Int64) -> Int64 {
        let now = Self.now()
        return now - now % Self.hour - hours * Self.hour
    }

    /// Parses a timestamp of the contract's format back to epoch milliseconds.
    static func parse(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    /// Formats epoch milliseconds in the contract's timestamp format, `2026-11-29T10:15:30.123Z`.
    static func iso(_ millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let fraction = millis - seconds * 1000
        let base = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
        let digits = String(fraction)
        let padded = String(repeating: "0", count: 3 - digits.count) + digits
        return String(base.dropLast()) + "." + padded + "Z"
    }

    /// Whether `text` is exactly in the contract's timestamp format.
    static func isTimestamp(_ text: String?) -> Bool {
        guard let text else { return false }
        return text.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/#) != nil
    }

    /// Parses a timestamp in the contract's format back to epoch milliseconds.
    static func millis(_ text: String?) -> Int64? {
        guard let text, Self.isTimestamp(text) else { return nil }
        let secondsPart = String(text.prefix(19)) + "Z"
        guard let date = try? Date(secondsPart, strategy: .iso8601) else { return nil }
        guard let fraction = Int64(text.dropFirst(20).prefix(3)) else { return nil }
        return Int64(date.timeIntervalSince1970.rounded()) * 1000 + fraction
    }
}
