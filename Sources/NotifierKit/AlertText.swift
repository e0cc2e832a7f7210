import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Wording and time formats shared by the notifiers, so an alert reads the same in
/// Slack, e-mail and Telegram.
public enum AlertText {
    /// "critical", "warning", "info".
    public static func severity(_ s: AlertSpec.Severity) -> String {
        switch s {
        case .info: "info"
        case .warning: "warning"
        case .critical: "critical"
        }
    }

    /// "FIRING" or "RESOLVED".
    public static func state(_ alert: DeliveredAlert) -> String { alert.state == .firing ? "FIRING" : "RESOLVED" }

    /// The value as people read it: up to 6 significant digits, "n/a" for NaN.
    public static func value(_ v: Double) -> String {
        guard !v.isNaN else { return "n/a" }
        guard v.isFinite else { return v > 0 ? "+Inf" : "-Inf" }
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([v]) { vsnprintf(&buffer, buffer.count, "%.6g", $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Broken-down UTC time of `ns` since the epoch.
    static func utc(_ ns: Int64) -> tm {
        var seconds = time_t(ns / 1_000_000_000)
        var t = tm()
        gmtime_r(&seconds, &t)
        return t
    }

    /// "2026-11-23 12:04:05 UTC".
    public static func timestamp(_ ns: Int64) -> String {
        let t = utc(ns)
        return "\(t.tm_year + 1900)-\(pad(t.tm_mon + 1))-\(pad(t.tm_mday)) \(pad(t.tm_hour)):\(pad(t.tm_min)):\(pad(t.tm_sec)) UTC"
    }

    /// RFC 5322 date for mail headers: "Mon, 23 Nov 2026 12:04:05 +0000".
    public static func rfc5322(_ ns: Int64) -> String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let t = utc(ns)
        return "\(days[Int(t.tm_wday)]), \(pad(t.tm_mday)) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900) "
            + "\(pad(t.tm_hour)):\(pad(t.tm_min)):\(pad(t.tm_sec)) +0000"
    }

    /// The labels except `skip`, as "k=v, k=v" sorted by key.
    public static func labels(_ alert: DeliveredAlert, skipping skip: Set<String> = []) -> String {
        alert.labels.filter { !skip.contains($0.0) }.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }
            .joined(separator: ", ")
    }

    private static func pad(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
