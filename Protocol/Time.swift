/// Formatting of timestamps for people and JSON (ISO 8601, UTC), without Foundation.
public enum TimeFormat {
    /// `2023-12-01T09:30:00Z`
    public static func iso(_ t: Timestamp) -> String {
        // Rounded down, without `t - 999`, which overflowed for a time near Int64.min (an
        // `at` is what a client sent).
        let secs = t >= 0 ? t / 1000 : (t + 1) / 1000 - 1
        let days = secs >= 0 ? secs / 86400 : (secs + 1) / 86400 - 1
        let rem = secs - days * 86400
        let (y, m, d) = civil(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2))Z"
    }

    /// Parses a time as `iso` writes it, `YYYY-MM-DDTHH:MM:SSZ` (UTC), for any year `iso`
    /// writes with four digits or more: every time an export holds reads back. Only the
    /// calendar is checked, not a plausible range: a time is what an officer's clock said
    /// (the clock tester: a note written under a clock set to the year 3000 synced, and then
    /// every export of the plan was refused by `import`). Nil for anything else.
    public static func parse(_ text: String) -> Timestamp? {
        let c = Array(text.utf8)
        // The year, then "-MM-DDTHH:MM:SSZ" (16 bytes).
        guard c.count >= 20, c.count <= (c.first == 45 ? 26 : 25) else { return nil }
        let t = c.count - 16
        guard c[t] == 45, c[t + 3] == 45, c[t + 6] == 84, c[t + 9] == 58, c[t + 12] == 58, c[t + 15] == 90 else { return nil }
        func num(_ r: Range<Int>) -> Int64? {
            guard !r.isEmpty else { return nil }
            var n: Int64 = 0
            for i in r {
                guard c[i] >= 0x30, c[i] <= 0x39 else { return nil }
                n = n * 10 + Int64(c[i] - 0x30)
            }
            return n
        }
        let negative = c[0] == 45
        guard t - (negative ? 1 : 0) >= 4, let year = num((negative ? 1 : 0)..<t),
              let m = num(t + 1..<t + 3), let d = num(t + 4..<t + 6), let h = num(t + 7..<t + 9),
              let mi = num(t + 10..<t + 12), let sec = num(t + 13..<t + 15),
              (1...12).contains(m), d >= 1, h < 24, mi < 60, sec < 60 else { return nil }
        let y = negative ? -year : year
        guard d <= daysIn(month: m, of: y) else { return nil }
        // Nine-digit years reach past Int64's milliseconds: nil there, not a trap.
        let (daySeconds, o1) = daysFromCivil(y, m, d).multipliedReportingOverflow(by: 86400)
        let (seconds, o2) = daySeconds.addingReportingOverflow(h * 3600 + mi * 60 + sec)
        let (ms, o3) = seconds.multipliedReportingOverflow(by: 1000)
        return o1 || o2 || o3 ? nil : ms
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

    /// A timestamp to the minute, for people: `2026-12-01 08:43 UTC`.
    public static func minute(_ t: Timestamp) -> String {
        // iso ends with "THH:MM:SSZ", whatever the year's length.
        let text = iso(t)
        return "\(text.dropLast(10)) \(text.dropLast(4).suffix(5)) UTC"
    }

    /// The days of `month` (1-12) in `year` of the Gregorian calendar.
    static func daysIn(month: Int64, of year: Int64) -> Int64 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month) - 1]
    }

    /// `v` in at least `w` digits, its sign before them (year -4 is "-0004", not "00-4").
    static func pad(_ v: Int64, _ w: Int) -> String {
        let s = String(v.magnitude)
        return (v < 0 ? "-" : "") + (s.count >= w ? s : String(repeating: "0", count: w - s.count) + s)
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
