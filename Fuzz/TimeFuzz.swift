// libFuzzer harness for the own ISO 8601 and time-expression code (built by scripts/fuzz.sh, not by SwiftPM).
//
// For every input:
//  1. ISO8601.parse, TimeExpression.resolve (text and JSON forms) and WindowExpression never crash or hang.
//  2. When ISO8601.parse accepts a text, formatting the result and parsing that again gives the same instant,
//     and the formatted text has the API's shape.
//  3. ISO8601.format of any Int64 has the API's shape; within years 0000–9999 it parses back to the same value.
//  4. Differential against Foundation on a well-defined subset, built from the input bytes:
//     `YYYY-MM-DDTHH:MM:SS[.f|.ff|.fff](Z|±HH:MM|±HHMM)` with years 1583–9999 (Gregorian in both; Foundation
//     switches to the Julian calendar before 1582-10-15), a real calendar date, hour 0–23, minute and second
//     0–59 and offsets up to ±17:59 (Foundation's Date.ISO8601FormatStyle rejects e.g. +19:00 and -18:40). Own parse and
//     Foundation's parse must give the same instant; own format and ISO8601DateFormatter (with fractional
//     seconds) must give the same text. (Date.ISO8601FormatStyle's formatting is not used: it truncates
//     milliseconds, e.g. 1764410130123 ms gives ".122".)
//
// Outside the subset the two differ on purpose (see BENCHMARKS.md "Fuzzing"): Foundation rolls over
// out-of-range fields (2026-02-30, 24:00, :60), accepts `+02` and rounds fractions beyond milliseconds;
// own rejects those fields, truncates extra fraction digits and also accepts `t`/`z`, a space separator,
// `hh:mm` without seconds, a date alone, a comma before the fraction and a missing offset (UTC).
import Foundation

let formatStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
nonisolated(unsafe) let dateFormatter: ISO8601DateFormatter = {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter
}()

/// 2026-11-29T12:00:00Z: the fixed "now" of time expressions.
let now: Int64 = 1_795_953_600_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTime(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    checkParse(text)
    _ = TimeExpression.resolve(text, now: now)
    _ = TimeExpression.resolve(.string(text), now: now)
    _ = WindowExpression.milliseconds(text)
    if bytes.count >= 8 {
        let raw = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let milliseconds = Int64(bitPattern: raw)
        checkFormat(milliseconds, input: bytes)
        _ = TimeExpression.resolve(.int(milliseconds), now: now)
        _ = TimeExpression.resolve(.double(Double(bitPattern: raw)), now: now)
    }
    if bytes.count >= 16 {
        checkAgainstFoundation(Array(bytes.suffix(16)))
    }
    return 0
}

func fail(_ what: String) -> Never {
    fatalError(what)
}

/// `YYYY-MM-DDThh:mm:ss.fffZ`, with an optional `-` before years below zero and more digits above 9999.
func hasAPIShape(_ text: String) -> Bool {
    var utf8 = Array(text.utf8)
    if utf8.first == UInt8(ascii: "-") { utf8.removeFirst() }
    let yearDigits = utf8.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
    guard yearDigits >= 4 else { return false }
    let rest = Array(utf8.dropFirst(yearDigits))
    let pattern = Array("-dd-ddTdd:dd:dd.dddZ".utf8)
    guard rest.count == pattern.count else { return false }
    return zip(rest, pattern).allSatisfy { byte, expected in
        expected == UInt8(ascii: "d") ? (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) : byte == expected
    }
}

func checkParse(_ text: String) {
    guard let milliseconds = ISO8601.parse(text) else { return }
    let formatted = ISO8601.format(milliseconds: milliseconds)
    guard hasAPIShape(formatted) else { fail("format(parse(\(text.debugDescription))) = \(formatted.debugDescription) has not the API's shape") }
    guard ISO8601.parse(formatted) == milliseconds else {
        fail("parse(format(parse(\(text.debugDescription)))) != parse(\(text.debugDescription)); formatted \(formatted)")
    }
}

/// First and last millisecond of years 0000 and 9999.
let fourDigitYears: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

func checkFormat(_ milliseconds: Int64, input: [UInt8]) {
    let formatted = ISO8601.format(milliseconds: milliseconds)
    guard hasAPIShape(formatted) else { fail("format(\(milliseconds)) = \(formatted.debugDescription) has not the API's shape") }
    if fourDigitYears.contains(milliseconds) {
        guard ISO8601.parse(formatted) == milliseconds else { fail("parse(format(\(milliseconds))) != \(milliseconds); formatted \(formatted)") }
    }
}

func isLeap(_ year: Int) -> Bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Builds a timestamp of the agreed subset from 16 bytes and compares own and Foundation on it.
func checkAgainstFoundation(_ bytes: [UInt8]) {
    func field(_ index: Int, _ range: ClosedRange<Int>) -> Int {
        let raw = Int(bytes[index]) << 8 | Int(bytes[index + 1])
        return range.lowerBound + raw % (range.count)
    }
    let year = field(0, 1583...9999)
    let month = field(2, 1...12)
    let days = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    let day = field(4, 1...days)
    let hour = field(6, 0...23)
    let minute = field(8, 0...59)
    let second = field(10, 0...59)
    let fractionDigits = Int(bytes[12] % 4)
    let fraction = field(12, 0...999)
    let offsetKind = Int(bytes[14] % 4)
    let offsetHours = field(14, 0...17)
    let offsetMinutes = Int(bytes[15]) % 60
    var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
    if fractionDigits > 0 { text += "." + String(pad(fraction, 3).prefix(fractionDigits)) }
    switch offsetKind {
    case 0: text += "Z"
    case 1: text += "+\(pad(offsetHours, 2)):\(pad(offsetMinutes, 2))"
    case 2: text += "-\(pad(offsetHours, 2)):\(pad(offsetMinutes, 2))"
    default: text += "+\(pad(offsetHours, 2))\(pad(offsetMinutes, 2))"
    }
    let own = ISO8601.parse(text)
    let foundation = (try? formatStyle.parse(text)).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    guard own == foundation else {
        fail("\(text): own parses \(own.map(String.init) ?? "nil"), Date.ISO8601FormatStyle \(foundation.map(String.init) ?? "nil")")
    }
    // Formatting: the same instant through ISO8601DateFormatter, inside the Gregorian years.
    guard let milliseconds = own, milliseconds >= -12_212_553_600_000 else { return }  // 1583-01-01
    let ownText = ISO8601.format(milliseconds: milliseconds)
    let foundationText = dateFormatter.string(from: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
    guard ownText == foundationText else { fail("format(\(milliseconds)): own \(ownText), ISO8601DateFormatter \(foundationText)") }
}
