#if canImport(Glibc)
import Glibc
#endif

/// Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): either delay-seconds or an
/// HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT"), turned into milliseconds from `nowSeconds`.
public enum RetryAfter {
    /// Milliseconds to wait, or nil when the value is neither form. A date in the past
    /// gives 0. Values are capped at one day so a broken server cannot park an alert forever.
    public static func milliseconds(_ value: String, nowSeconds: Int64) -> Int64? {
        let text = value.trimmingSpaces()
        let cap: Int64 = 86_400_000
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let seconds = Int64(text) else { return cap }  // too many digits
            return min(seconds, cap / 1000) * 1000
        }
        guard let date = httpDateSeconds(text) else { return nil }
        return min(max(0, date - nowSeconds) * 1000, cap)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate, the form servers must send: "Sun, 06 Nov 1994 08:49:37 GMT".
    static func httpDateSeconds(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
              let day = Int32(parts[1]), (1...31).contains(day),
              let month = months.firstIndex(of: String(parts[2])),
              let year = Int32(parts[3]), year >= 1970 else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let h = Int32(clock[0]), let m = Int32(clock[1]), let s = Int32(clock[2]),
              (0...23).contains(h), (0...59).contains(m), (0...60).contains(s) else { return nil }
        var t = tm()
        t.tm_year = year - 1900
        t.tm_mon = Int32(month)
        t.tm_mday = day
        t.tm_hour = h
        t.tm_min = m
        t.tm_sec = s
        return Int64(timegm(&t))
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF (no Foundation).
    public func trimmingSpaces() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}

