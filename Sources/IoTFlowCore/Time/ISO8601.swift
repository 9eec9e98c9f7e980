/// ISO 8601 formatting and parsing on epoch milliseconds, without Foundation's date formatters
/// (they are slow, locale-sensitive and allocate per call).
public enum ISO8601 {
    /// Formats epoch milliseconds as `2026-11-29T10:15:30.123Z`; years outside 0000–9999 with all their digits
    /// and, before year 0, a leading minus (`-0010-09-11T…`, ISO 8601 expanded years).
    public static func format(milliseconds: Int64) -> String {
        if Self.hasFourDigitYear(milliseconds) {
            // The common case, written straight into the string's storage: no intermediate allocations.
            return String(unsafeUninitializedCapacity: Self.fourDigitYearLength) { buffer in
                Self.fillFourDigitYear(milliseconds, into: buffer)
                return Self.fourDigitYearLength
            }
        }
        return String(decoding: Self.expandedYearBytes(milliseconds), as: UTF8.self)
    }

    /// Appends the text of ``format(milliseconds:)`` to `output` without building a string (a history page or an
    /// export writes tens of thousands of timestamps).
    public static func write(milliseconds: Int64, into output: inout [UInt8]) {
        guard Self.hasFourDigitYear(milliseconds) else {
            output.append(contentsOf: Self.expandedYearBytes(milliseconds))
            return
        }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: Self.fourDigitYearLength))
        output.withUnsafeMutableBufferPointer { buffer in
            Self.fillFourDigitYear(milliseconds, into: UnsafeMutableBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// "YYYY-MM-DDTHH:MM:SS.mmmZ".
    private static let fourDigitYearLength = 24

    private static func hasFourDigitYear(_ milliseconds: Int64) -> Bool {
        milliseconds >= Self.firstFourDigitYearMillisecond && milliseconds < Self.firstFiveDigitYearMillisecond
    }

    /// Writes a time of a year 0…9999 into the first 24 bytes of `buffer`.
    private static func fillFourDigitYear(_ milliseconds: Int64, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        let (days, msOfDay) = Self.floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        var index = 0
        func put(_ value: Int64, _ width: Int) {
            var remaining = value
            for offset in stride(from: width - 1, through: 0, by: -1) {
                buffer[index + offset] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            }
            index += width
        }
        func mark(_ character: Unicode.Scalar) {
            buffer[index] = UInt8(ascii: character)
            index += 1
        }
        put(year, 4)
        mark("-")
        put(month, 2)
        mark("-")
        put(day, 2)
        mark("T")
        put(msOfDay / 3_600_000, 2)
        mark(":")
        put((msOfDay / 60_000) % 60, 2)
        mark(":")
        put((msOfDay / 1000) % 60, 2)
        mark(".")
        put(msOfDay % 1000, 3)
        mark("Z")
    }

    /// The text of a time outside the years 0…9999, whose year has a sign or more digits.
    private static func expandedYearBytes(_ milliseconds: Int64) -> [UInt8] {
        let (days, msOfDay) = Self.floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let hours = msOfDay / 3_600_000
        let minutes = (msOfDay / 60_000) % 60
        let seconds = (msOfDay / 1000) % 60
        let millis = msOfDay % 1000
        var output = [UInt8]()
        output.reserveCapacity(32)
        // Expanded years keep the sign in front of the padding: "-0010", not "0-10".
        if year < 0 { output.append(UInt8(ascii: "-")) }
        Self.appendPadded(year.magnitude, width: 4, into: &output)
        output.append(UInt8(ascii: "-"))
        Self.appendPadded(month, width: 2, into: &output)
        output.append(UInt8(ascii: "-"))
        Self.appendPadded(day, width: 2, into: &output)
        output.append(UInt8(ascii: "T"))
        Self.appendPadded(hours, width: 2, into: &output)
        output.append(UInt8(ascii: ":"))
        Self.appendPadded(minutes, width: 2, into: &output)
        output.append(UInt8(ascii: ":"))
        Self.appendPadded(seconds, width: 2, into: &output)
        output.append(UInt8(ascii: "."))
        Self.appendPadded(millis, width: 3, into: &output)
        output.append(UInt8(ascii: "Z"))
        return output
    }

    /// 0000-01-01T00:00:00.000Z, the earliest time with a four-digit year.
    static let firstFourDigitYearMillisecond: Int64 = -62_167_219_200_000
    /// 10000-01-01T00:00:00.000Z, the first time with a five-digit year.
    static let firstFiveDigitYearMillisecond: Int64 = 253_402_300_800_000

    /// Parses `YYYY-MM-DD[Thh:mm[:ss[.fff…]]][Z|±hh:mm|±hhmm]` into epoch milliseconds.
    ///
    /// A missing offset means UTC; a date alone means its midnight UTC; a time outside years 0000–9999 in UTC
    /// (reachable through an offset) is rejected. Returns nil for anything else.
    public static func parse(_ text: String) -> Int64? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.digits(4), scanner.expect(UInt8(ascii: "-")),
            let month = scanner.digits(2), scanner.expect(UInt8(ascii: "-")),
            let day = scanner.digits(2),
            (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year)
        else { return nil }
        var msOfDay: Int64 = 0
        var offsetMs: Int64 = 0
        if scanner.expect(UInt8(ascii: "T")) || scanner.expect(UInt8(ascii: "t")) || scanner.expect(UInt8(ascii: " ")) {
            guard let hour = scanner.digits(2), scanner.expect(UInt8(ascii: ":")), let minute = scanner.digits(2),
                hour < 24, minute < 60
            else { return nil }
            var second: Int64 = 0
            var fraction: Int64 = 0
            if scanner.expect(UInt8(ascii: ":")) {
                guard let parsed = scanner.digits(2), parsed < 60 else { return nil }
                second = parsed
                if scanner.expect(UInt8(ascii: ".")) || scanner.expect(UInt8(ascii: ",")) {
                    guard let millis = scanner.fractionMilliseconds() else { return nil }
                    fraction = millis
                }
            }
            msOfDay = ((hour * 60 + minute) * 60 + second) * 1000 + fraction
            if scanner.expect(UInt8(ascii: "Z")) || scanner.expect(UInt8(ascii: "z")) {
                offsetMs = 0
            } else if let sign = scanner.sign() {
                guard let offsetHours = scanner.digits(2), offsetHours < 24 else { return nil }
                _ = scanner.expect(UInt8(ascii: ":"))
                guard let offsetMinutes = scanner.digits(2), offsetMinutes < 60 else { return nil }
                offsetMs = sign * (offsetHours * 60 + offsetMinutes) * 60_000
            }
        }
        guard scanner.atEnd else { return nil }
        let milliseconds = Self.days(year: year, month: month, day: day) * 86_400_000 + msOfDay - offsetMs
        // An offset can move a time at either end of years 0000–9999 outside them in UTC, where it could not be
        // written back in four-digit years (libFuzzer: 9999-12-31T23:59:59.9-0530).
        guard (Self.firstFourDigitYearMillisecond...TimeSpec.latest).contains(milliseconds) else { return nil }
        return milliseconds
    }

    private static func appendPadded(_ value: some BinaryInteger, width: Int, into output: inout [UInt8]) {
        let digits = Array(String(value).utf8)
        if digits.count < width {
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count))
        }
        output.append(contentsOf: digits)
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }

    private static func isLeap(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: Self.isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days-from-civil algorithm: exact for the proleptic Gregorian calendar.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Reads fixed-width digit groups from ASCII bytes.
private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var atEnd: Bool { self.index == self.bytes.count }

    mutating func digits(_ count: Int) -> Int64? {
        guard self.index + count <= self.bytes.count else { return nil }
        var value: Int64 = 0
        for offset in 0..<count {
            let byte = self.bytes[self.index + offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        self.index += count
        return value
    }

    mutating func expect(_ byte: UInt8) -> Bool {
        guard self.index < self.bytes.count, self.bytes[self.index] == byte else { return false }
        self.index += 1
        return true
    }

    mutating func sign() -> Int64? {
        if self.expect(UInt8(ascii: "+")) { return 1 }
        if self.expect(UInt8(ascii: "-")) { return -1 }
        return nil
    }

    /// Reads 1–9 fraction digits and keeps milliseconds (truncating finer precision).
    mutating func fractionMilliseconds() -> Int64? {
        var value: Int64 = 0
        var count = 0
        while self.index < self.bytes.count, self.bytes[self.index] >= UInt8(ascii: "0"), self.bytes[self.index] <= UInt8(ascii: "9") {
            if count < 3 { value = value * 10 + Int64(self.bytes[self.index] - UInt8(ascii: "0")) }
            count += 1
            self.index += 1
        }
        guard (1...9).contains(count) else { return nil }
        // "1" means 100 ms and "12" 120 ms; digits past the third were dropped above.
        for _ in min(count, 3)..<3 { value *= 10 }
        return value
    }
}
