#if canImport(Glibc)
import Glibc
#endif
import PluginKit

/// Times and steps as people and programs write them for a query (`nazarctl query`, the
/// HTTP API's `from`, `to`, `step`, silences' `starts_at`), and times as query output
/// prints them. One parser, so the CLI and the API accept exactly the same spellings.
///
/// Accepted times: `now`; `now-1h` or `-1h` (a duration back from now, any `DurationText`
/// spelling: `-90m`, `-1h30m`, `-7d`); `+10m` (forward); an integer since the Unix epoch
/// in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude (what
/// `date +%s`, JavaScript's `Date.now()` and our own JSON timestamps give); fractional
/// seconds (`1700000000.5`); RFC 3339 in UTC or with an offset (`2026-11-23T10:00:00Z`,
/// `2026-11-23T10:00:00.250+01:00`, or a date alone, `2026-11-23`, meaning its midnight UTC).
///
/// Pure functions; errors are `StorageError.invalidArgument` naming the field.
public enum QueryTime {
    /// Nanoseconds since the Unix epoch; `field` names the option or parameter in the error.
    public static func parse(_ text: String, now: Int64, field: String) throws(StorageError) -> Int64 {
        let t = text.trimmingSpaces
        let bad = StorageError.invalidArgument(
            field: field,
            reason: "'\(text)' is not a time: use now, -1h (relative), seconds (or ms, µs, ns) since the epoch or RFC 3339 (2026-11-23T10:00:00Z)")
        if t == "now" { return now }
        var relative = Substring(t)
        if relative.hasPrefix("now") { relative = relative.dropFirst(3) }
        if let sign = relative.first, sign == "-" || sign == "+" {
            guard let d = DurationText.parse(String(relative.dropFirst())) else { throw bad }
            return sign == "-" ? now &- d.nanoseconds : now &+ d.nanoseconds
        }
        if let epoch = epochNumber(t) { return epoch }
        if let rfc = rfc3339(t) { return rfc }
        throw bad
    }

    /// A positive step or duration in nanoseconds: any `DurationText` spelling (`30s`,
    /// `1m`, `1h30m`) or whole seconds (`60`).
    public static func duration(_ text: String, field: String) throws(StorageError) -> Int64 {
        let t = text.trimmingSpaces
        if let seconds = Int64(t), seconds > 0, seconds <= Int64.max / 1_000_000_000 { return seconds * 1_000_000_000 }
        if let d = DurationText.parse(t), d.nanoseconds > 0 { return d.nanoseconds }
        throw .invalidArgument(field: field, reason: "'\(text)' is not a positive duration (examples: 10s, 5m, 1h, or whole seconds)")
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-23T10:00:00.000Z`.
    public static func format(_ nanoseconds: Int64) -> String {
        var seconds = time_t(floorDiv(nanoseconds, 1_000_000_000))
        let millis = (nanoseconds - Int64(seconds) * 1_000_000_000) / 1_000_000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    /// A whole number since the epoch in s, ms, µs or ns by magnitude (seconds below 10^11,
    /// i.e. before the year 5138), or fractional seconds.
    private static func epochNumber(_ t: String) -> Int64? {
        if let v = Int64(t), v >= 0 {
            if v < 100_000_000_000 { return v * 1_000_000_000 }
            if v < 100_000_000_000_000 { return v * 1_000_000 }
            if v < 100_000_000_000_000_000 { return v * 1_000 }
            return v
        }
        let pieces = t.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 2, let whole = Int64(pieces[0]), whole >= 0 else { return nil }
        let digits = pieces[1].prefix(9)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let f = Int64(digits) else { return nil }
        let nanos = f * pow10(9 - digits.count)
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? nil : scaled + nanos
    }

    private static func pow10(_ n: Int) -> Int64 { (0..<n).reduce(1) { acc, _ in acc * 10 } }

    /// `YYYY-MM-DD[(T|t| )HH:MM:SS[.fff…]](Z|z|±HH:MM)`; a date alone is midnight UTC.
    private static func rfc3339(_ t: String) -> Int64? {
        let b = Array(t.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let year = number(0, 4), b.count >= 10, b[4] == UInt8(ascii: "-"), let month = number(5, 2),
              b[7] == UInt8(ascii: "-"), let day = number(8, 2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, nanos: Int64 = 0, offset = 0
        var i = 10
        if b.count > 10 {
            guard b[10] | 0x20 == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "), let h = number(11, 2), b.count > 13,
                  b[13] == UInt8(ascii: ":"), let m = number(14, 2), b.count > 16, b[16] == UInt8(ascii: ":"),
                  let s = number(17, 2), h < 24, m < 60, s < 61 else { return nil }
            hour = h; minute = m; second = s
            i = 19
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                var digits = 0
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                    if digits < 9 { nanos = nanos * 10 + Int64(b[i] - 0x30); digits += 1 }
                    i += 1
                }
                guard digits > 0 else { return nil }
                nanos *= pow10(9 - digits)
            }
            guard i < b.count else { return nil }
            if b[i] | 0x20 == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                guard let oh = number(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = number(i + 4, 2) else { return nil }
                offset = (oh * 60 + om) * 60 * (b[i] == UInt8(ascii: "+") ? 1 : -1)
                i += 6
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int64(timegm(&parts)) - Int64(offset)
        return seconds * 1_000_000_000 + nanos
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
