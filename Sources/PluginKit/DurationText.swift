/// Parses human durations: one or more `<number><unit>` parts, units ns, us/µs, ms, s, m,
/// h, d, w ("500ms", "10s", "1h30m", "1.5d"). Shared by plugins and the host so both accept
/// exactly the same spellings; computed in integers so "0.3s" is exactly 300ms.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var i = 0
        var total: Int64 = 0
        while i < bytes.count {
            var whole: Int64 = 0
            var fraction: Int64 = 0
            var fractionDigits = 0
            var digits = 0
            var seenPoint = false
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: ".") {
                    guard !seenPoint else { return nil }
                    seenPoint = true
                } else if b >= 0x30 && b <= 0x39 {
                    let d = Int64(b - 0x30)
                    digits += 1
                    if seenPoint {
                        // Nanoseconds are the resolution: digits beyond 18 cannot matter.
                        if fractionDigits < 18 {
                            fraction = fraction * 10 + d
                            fractionDigits += 1
                        }
                    } else {
                        let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                        let (s, o2) = m.addingReportingOverflow(d)
                        guard !o1, !o2 else { return nil }
                        whole = s
                    }
                } else {
                    break
                }
                i += 1
            }
            guard digits > 0 else { return nil }
            let unitStart = i
            while i < bytes.count, (bytes[i] >= 0x61 && bytes[i] <= 0x7A) || bytes[i] == 0xC2 || bytes[i] == 0xB5 { i += 1 }
            guard let scale = unitNanoseconds(bytes[unitStart..<i]) else { return nil }
            let (wholeNanos, o1) = whole.multipliedReportingOverflow(by: scale)
            guard !o1 else { return nil }
            var fractionNanos: Int64 = 0
            if fractionDigits > 0 {
                var divisor: Int64 = 1
                for _ in 0..<fractionDigits { divisor *= 10 }
                // fraction < divisor, so the quotient is below `scale` and fits.
                let product = scale.multipliedFullWidth(by: fraction)
                fractionNanos = divisor.dividingFullWidth(product).quotient
            }
            let (partial, o2) = wholeNanos.addingReportingOverflow(fractionNanos)
            let (sum, o3) = total.addingReportingOverflow(partial)
            guard !o2, !o3 else { return nil }
            total = sum
        }
        return .nanoseconds(total)
    }

    static func unitNanoseconds(_ unit: ArraySlice<UInt8>) -> Int64? {
        switch String(decoding: unit, as: UTF8.self) {
        case "ns": return 1
        case "us", "µs": return 1_000
        case "ms": return 1_000_000
        case "s": return 1_000_000_000
        case "m": return 60_000_000_000
        case "h": return 3_600_000_000_000
        case "d": return 86_400_000_000_000
        case "w": return 604_800_000_000_000
        default: return nil
        }
    }
}
