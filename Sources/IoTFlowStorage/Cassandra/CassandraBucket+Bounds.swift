/// Partition bounds of the points table: every bucket is named by its first millisecond (UTC), so a range
/// of buckets is a range of the `bucket` column and buckets compare like the times they hold.
extension CassandraSettings.Bucket {
    private static let hourLength: Int64 = 3_600_000
    private static let dayLength: Int64 = 86_400_000

    /// The first millisecond of the bucket holding `timestamp`.
    func start(of timestamp: Int64) -> Int64 {
        switch self {
        case .hour: return Self.floor(timestamp, Self.hourLength)
        case .day: return Self.floor(timestamp, Self.dayLength)
        case .month:
            let (year, month) = Self.civil(days: Self.floor(timestamp, Self.dayLength) / Self.dayLength)
            return Self.days(year: year, month: month) * Self.dayLength
        }
    }

    /// The first millisecond after the bucket that starts at `start`.
    func end(ofBucketStarting start: Int64) -> Int64 {
        switch self {
        case .hour: return start + Self.hourLength
        case .day: return start + Self.dayLength
        case .month:
            let (year, month) = Self.civil(days: start / Self.dayLength)
            return month == 12 ? Self.days(year: year + 1, month: 1) * Self.dayLength : Self.days(year: year, month: month + 1) * Self.dayLength
        }
    }

    /// Floor division that also rounds negative times (before 1970) down.
    private static func floor(_ value: Int64, _ step: Int64) -> Int64 {
        let quotient = value / step
        return (value % step != 0 && value < 0 ? quotient - 1 : quotient) * step
    }

    /// Year and month of a day count since 1970-01-01 (the proleptic Gregorian calendar, as Cassandra's timestamps).
    private static func civil(days: Int64) -> (year: Int64, month: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPart = (5 * dayOfYear + 2) / 153
        let month = monthPart < 10 ? monthPart + 3 : monthPart - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month)
    }

    /// Days since 1970-01-01 of the first day of `month` in `year`.
    private static func days(year: Int64, month: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
