/// Formatting of timestamps for people and JSON (ISO 8601, UTC), without Foundation.
public enum TimeFormat {
    /// `2023-12-01T09:30:00Z`
    public static func iso(_ t: Timestamp) -> String {
        let secs = t >= 0 ? t / 1000 : (t - 999) / 1000
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = secs - days * 86400
        let (y, m, d) = civil(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (as `iso` writes it); nil for anything else.
    public static func parse(_ text: String) -> Timestamp? {
        let c = Array(text.utf8)
        guard c.count == 20, c[4] == 45, c[7] == 45, c[10] == 84, c[13] == 58, c[16] == 58, c[19] == 90 else { return nil }
        func num(_ r: Range<Int>) -> Int64? { Int64(String(decoding: c[r], as: UTF8.self)) }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), let h = num(11..<13),
              let mi = num(14..<16), let s = num(17..<19),
              Validation.isValidDate(String(decoding: c[0..<10], as: UTF8.self)), h < 24, mi < 60, s < 60 else { return nil }
        let days = daysFromCivil(y, m, d)
        return ((days * 86400) + h * 3600 + mi * 60 + s) * 1000
    }

    /// (year, month, day) to days since 1970-01-01: Howard Hinnant's algorithm.
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The calendar date (UTC) of a timestamp, `YYYY-MM-DD`.
    public static func date(_ t: Timestamp) -> String { String(iso(t).prefix(10)) }

    static func pad(_ v: Int64, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }

    /// Days since 1970-01-01 to (year, month, day): Howard Hinnant's algorithm.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
