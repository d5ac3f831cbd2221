import ByteCoding

/// A proleptic Gregorian calendar date, convertible to days since 1970-01-01 (Parquet DATE).
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...CivilDate.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, real calendar date).
    public init?(parsing text: String) {
        let u = Array(text.utf8)
        self.init(bytes: u.span)
    }

    /// Parses exactly `YYYY-MM-DD` from bytes in place (every fetched DATE cell comes here).
    init?(bytes b: Span<UInt8>) {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            let y = Self.number(b, 0..<4), let m = Self.number(b, 5..<7), let d = Self.number(b, 8..<10)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The ASCII decimal digits at `range` of `bytes` (callers keep it short: no overflow check),
    /// or nil if any byte there is not a digit.
    static func number(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Int? {
        var v = 0
        for i in range {
            let c = bytes[i]
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int(c - UInt8(ascii: "0"))
        }
        return v
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int {
        Int(UnixCalendar.days(year: self.year, month: self.month, day: self.day))
    }

    /// The date `days` after 1970-01-01; nil outside years 1...9999.
    public init?(daysSinceEpoch days: Int) {
        guard days >= -719_162, days <= 2_932_896 else { return nil }
        let (y, m, d) = UnixCalendar.civil(days: Int64(days))
        self.init(year: Int(y), month: m, day: d)
    }

    public var description: String {
        Self.pad(self.year, 4) + "-" + Self.pad(self.month, 2) + "-" + Self.pad(self.day, 2)
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}

/// An inclusive date range; either end may be open.
public struct DateRange: Sendable, Equatable {
    public var start: CivilDate?
    public var end: CivilDate?
    public init(start: CivilDate?, end: CivilDate?) {
        self.start = start
        self.end = end
    }
}
