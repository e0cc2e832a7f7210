import PluginKit

/// Fills a dashboard URL template: `{rule}`, `{host}`, `{metric}` and `{fingerprint}`
/// are replaced by the alert's values, percent-encoded. A URL without placeholders is
/// used as it is.
public enum DashboardLink {
    /// `template` with the alert's values filled in; `host` is the alert's host label or ours.
    public static func url(_ template: String, alert: DeliveredAlert, host: String) -> String {
        var url = template
        url = url.replacingAll("{rule}", with: percentEncoded(alert.rule))
        url = url.replacingAll("{host}", with: percentEncoded(host))
        url = url.replacingAll("{metric}", with: percentEncoded(alert.label("metric") ?? ""))
        url = url.replacingAll("{fingerprint}", with: String(alert.fingerprint, radix: 16))
        return url
    }

    /// RFC 3986 unreserved characters stay; every other byte becomes %XX.
    public static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for b in text.utf8 {
            let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
            if unreserved { out.unicodeScalars.append(Unicode.Scalar(b)) } else {
                out += "%" + String([hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            }
        }
        return out
    }
}
