import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Times in query strings: `now`, relative `-1h` / `-30m` / `-1h30m`, integer seconds,
/// milliseconds, microseconds or nanoseconds since the epoch (told apart by magnitude),
/// or RFC 3339 (`2026-11-23T14:00:00Z`, `…T14:00:00.5+01:00`). Results are ns since the epoch.
enum QueryTime {
    static func parse(_ text: String, now: Int64, field: String) throws(APIError) -> Int64 {
        if text == "now" { return now }
        if text.hasPrefix("-"), let d = DurationText.parse(String(text.dropFirst())) {
            let (s, atto) = d.components
            return now - s * 1_000_000_000 - atto / 1_000_000_000
        }
        if let v = Int64(text) {
            let magnitude = v.magnitude
            if magnitude < 100_000_000_000 { return v * 1_000_000_000 }
            if magnitude < 100_000_000_000_000 { return v * 1_000_000 }
            if magnitude < 100_000_000_000_000_000 { return v * 1_000 }
            return v
        }
        if let t = rfc3339(text) { return t }
        throw APIError.badRequest("\(field)='\(text)' is not a time (use RFC 3339, seconds/ms/ns since the epoch, 'now' or '-1h')")
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    static func rfc3339(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ at: Int, _ len: Int) -> Int? {
            guard at + len <= b.count else { return nil }
            var v = 0
            for i in at..<(at + len) {
                guard b[i] &- 48 < 10 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
              let day = num(8, 2), b[10] | 0x20 == UInt8(ascii: "t") || b[10] == 0x20, let hour = num(11, 2), b[13] == UInt8(ascii: ":"),
              let minute = num(14, 2), b[16] == UInt8(ascii: ":"), let second = num(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var fractionNs: Int64 = 0
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100_000_000
            let start = i
            while i < b.count && b[i] &- 48 < 10 {
                fractionNs += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2) else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        var tmValue = tm()
        tmValue.tm_year = Int32(year - 1900)
        tmValue.tm_mon = Int32(month - 1)
        tmValue.tm_mday = Int32(day)
        tmValue.tm_hour = Int32(hour)
        tmValue.tm_min = Int32(minute)
        tmValue.tm_sec = Int32(second)
        let seconds = Int64(timegm(&tmValue)) - Int64(offsetSeconds)
        return seconds * 1_000_000_000 + fractionNs
    }

    /// A step or duration: `30s`, `1m`, or integer seconds.
    static func duration(_ text: String, field: String) throws(APIError) -> Int64 {
        if let s = Int64(text), s > 0 { return s * 1_000_000_000 }
        if let d = DurationText.parse(text) {
            let (s, atto) = d.components
            let ns = s * 1_000_000_000 + atto / 1_000_000_000
            if ns > 0 { return ns }
        }
        throw APIError.badRequest("\(field)='\(text)' is not a positive duration (examples: 10s, 1m, 1h, or seconds)")
    }
}
