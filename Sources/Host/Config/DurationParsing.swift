/// Parses the duration spellings that plugins also accept (PluginKit's `DurationText`):
/// one or more `<number><unit>` parts, units ns, us/µs, ms, s, m, h, d, w, e.g. "500ms",
/// "10s", "1h30m", "1.5d". Host cannot depend on PluginKit, hence this twin; it computes
/// in integers so "0.3s" is exactly 300ms.
func parseDuration(_ text: String) -> Duration? {
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
        guard let scale = durationUnitNanoseconds(bytes[unitStart..<i]) else { return nil }
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

private func durationUnitNanoseconds(_ unit: ArraySlice<UInt8>) -> Int64? {
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

/// A duration written as a number of seconds (TOML integer or float).
func durationFromSeconds(_ seconds: Double) -> Duration? {
    guard seconds.isFinite, seconds >= 0, seconds < 9.2e9 else { return nil }
    return .nanoseconds(Int64((seconds * 1e9).rounded()))
}

/// Writes a duration the way admins write them ("100ms", "10s", "1h30m"), for messages.
func formatDuration(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let nanos = attoseconds / 1_000_000_000
    if seconds == 0 {
        if nanos == 0 { return "0s" }
        if nanos % 1_000_000 == 0 { return "\(nanos / 1_000_000)ms" }
        if nanos % 1_000 == 0 { return "\(nanos / 1_000)us" }
        return "\(nanos)ns"
    }
    if nanos != 0 {
        let millis = nanos / 1_000_000
        if nanos % 1_000_000 == 0, seconds < 60 { return "\(seconds * 1000 + millis)ms" }
        return "\(seconds)s\(nanos)ns"
    }
    var rest = seconds
    var text = ""
    for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
        text += "\(rest / size)\(unit)"
        rest %= size
    }
    return text
}
