import PluginKit

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
