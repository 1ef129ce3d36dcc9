public import Foundation

/// The contract's date format: ISO 8601 in UTC with milliseconds, `2026-11-20T10:15:30.123Z`.
/// Written by hand, in integer arithmetic: Foundation's formatters are slow and not sendable on every platform,
/// and floating-point steps would drift by a millisecond.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(24)
        append(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the 24 characters of `format(date)` to `bytes`.
    public static func append(_ date: Date, to bytes: inout [UInt8]) {
        let (days, dayMillis) = floorDivide(date.millisecondsSince1970, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        func put(_ value: Int64, _ width: Int, _ separator: UInt8) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor))
                rest %= divisor
                divisor /= 10
            }
            bytes.append(separator)
        }
        put(year, 4, UInt8(ascii: "-"))
        put(month, 2, UInt8(ascii: "-"))
        put(day, 2, UInt8(ascii: "T"))
        put(dayMillis / 3_600_000, 2, UInt8(ascii: ":"))
        put(dayMillis / 60_000 % 60, 2, UInt8(ascii: ":"))
        put(dayMillis / 1000 % 60, 2, UInt8(ascii: "."))
        put(dayMillis % 1000, 3, UInt8(ascii: "Z"))
    }

    /// Accepts RFC 3339 date-times (`Z` or an offset, any fraction, kept to the millisecond); nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var value: Int64 = 0
            for i in from..<(from + count) {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
                value = value * 10 + Int64(b[i] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
            let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
            let second = digits(17, 2),
            year >= 1, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var millis: Int64 = 0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            var scale: Int64 = 100
            while index < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[index]) {
                millis += Int64(b[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset: Int64 = 0
        guard index < b.count else { return nil }
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = digits(index + 1, 2), b.count > index + 3, b[index + 3] == UInt8(ascii: ":"), let om = digits(index + 4, 2),
                oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (b[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let seconds = days(fromCivil: year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
        let total = seconds * 1000 + millis
        guard Date.storableMilliseconds.contains(total) else { return nil }
        return Date(millisecondsSince1970: total)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let quotient = a / b
        let remainder = a % b
        return remainder < 0 ? (quotient - 1, remainder + b) : (quotient, remainder)
    }

    // Howard Hinnant's proleptic Gregorian calendar algorithms: no calendars, no time zones.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension Date {
    /// The milliseconds a store, a cursor or ISO 8601 text holds: years 1 to 9999.
    public static let storableMilliseconds: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999

    /// Rounded to the nearest, so that a date made from milliseconds gives the same milliseconds back; clamped to
    /// `storableMilliseconds`, because converting an out-of-range `Double` to `Int64` traps.
    public var millisecondsSince1970: Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        let range = Self.storableMilliseconds
        guard milliseconds >= Double(range.lowerBound) else { return range.lowerBound }
        guard milliseconds <= Double(range.upperBound) else { return range.upperBound }
        return Int64(milliseconds)
    }

    public init(millisecondsSince1970 ms: Int64) { self.init(timeIntervalSince1970: Double(ms) / 1000) }

    /// Stores keep milliseconds, as the wire does; records round to them so a value read back equals the one written.
    public var storePrecision: Date { Date(millisecondsSince1970: millisecondsSince1970) }
}
