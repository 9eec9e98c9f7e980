import Foundation
import IoTFlowCore

/// ISO 8601 formatting and parsing on epoch milliseconds: own ``ISO8601`` against Foundation's
/// `Date.ISO8601FormatStyle` and `ISO8601DateFormatter`.
enum ISO8601Variants {
    /// The input forms of the parse cases.
    enum Form: String, CaseIterable {
        /// `2026-11-29T10:15:30.123Z`, what the API writes.
        case fractionZ = "fraction-z"
        /// `2026-11-29T12:15:30.123+02:00`: the same instants with an offset (+02:00, -05:30, +05:45 in turn).
        case fractionOffset = "fraction-offset"
        /// `2026-11-29T10:15:30Z`: whole seconds.
        case seconds

        func text(_ milliseconds: Int64, index: Int) -> String {
            switch self {
            case .fractionZ: return ISO8601.format(milliseconds: milliseconds)
            case .seconds: return String(ISO8601.format(milliseconds: milliseconds - milliseconds % 1000).dropLast(5)) + "Z"
            case .fractionOffset:
                let (offsetMinutes, suffix) = [(120, "+02:00"), (-330, "-05:30"), (345, "+05:45")][index % 3]
                return String(ISO8601.format(milliseconds: milliseconds + Int64(offsetMinutes) * 60_000).dropLast()) + suffix
            }
        }

        /// The instant the text stands for.
        func expected(_ milliseconds: Int64) -> Int64 {
            self == .seconds ? milliseconds - milliseconds % 1000 : milliseconds
        }
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// `Date.ISO8601FormatStyle` with fractional seconds (it also parses whole seconds and offsets).
    static let formatStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// An `ISO8601DateFormatter` for internet date-times, with or without fractional seconds (one formatter
    /// accepts only one of the two forms).
    static func formatter(fractionalSeconds: Bool) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = fractionalSeconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter
    }

    /// How many of `produced` differ from `expected`, with the first difference, for the report.
    static func agreement<T: Equatable>(_ produced: [T], _ expected: [T]) -> String {
        let differing = zip(produced, expected).enumerated().filter { $0.element.0 != $0.element.1 }
        guard let first = differing.first else { return "agrees on \(expected.count)" }
        return "DIFFERS on \(differing.count) of \(expected.count), e.g. \(first.element.0) for \(first.element.1)"
    }
}
