import CCurl
import PluginKit

/// Turns a failed libcurl transfer into a `PluginError` of the right kind: permanent for
/// the codes in `permanentCodes`, transient for everything else (timeouts, refused or
/// reset connections, failed TLS handshakes, DNS failures), since those can heal.
public enum TransportFailure {
    /// Codes that retrying cannot fix: the URL or its scheme is wrong, or the server
    /// rejected our credentials.
    public static let permanentCodes: Set<UInt32> = [
        CURLE_UNSUPPORTED_PROTOCOL.rawValue, CURLE_URL_MALFORMAT.rawValue, CURLE_LOGIN_DENIED.rawValue,
        CURLE_NOT_BUILT_IN.rawValue, CURLE_USE_SSL_FAILED.rawValue, CURLE_SSL_CACERT_BADFILE.rawValue,
    ]

    /// The error for `code`. Message: "<target>: <libcurl text> (<detail>)", e.g.
    /// "POST https://hooks.slack.com: Timeout was reached (Operation timed out after 2000 ms)".
    /// `target` must already be secret-free (an origin, not a full URL).
    public static func error(_ code: CURLcode, detail: String, target: String) -> PluginError {
        var message = "\(target): \(CurlText.describe(code))"
        if !detail.isEmpty { message += " (\(Redact.excerpt(detail)))" }
        if permanentCodes.contains(code.rawValue) { return PluginError(message) }
        return .transient(message)
    }
}

/// Keeps secrets out of messages that reach the journal.
public enum Redact {
    /// "https://api.telegram.org/bot123:abc/sendMessage" → "https://api.telegram.org".
    /// Userinfo ("user:pass@") is dropped too.
    public static func origin(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "<url>" }
        let rest = url[schemeEnd.upperBound...]
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return String(url[..<schemeEnd.upperBound]) + authority
    }

    /// The pieces of a secret URL that a server might echo back: the whole URL, its path
    /// and query, and each path segment of 8 characters or more (where tokens sit).
    public static func secretParts(ofURL url: String) -> [String] {
        let origin = origin(of: url)
        var parts = [url]
        guard url.hasPrefix(origin) else { return parts }
        let path = String(url.dropFirst(origin.count))
        if path.count > 1 { parts.append(path) }
        for segment in path.split(whereSeparator: { $0 == "/" || $0 == "?" || $0 == "&" || $0 == "=" }) where segment.count >= 8 {
            parts.append(String(segment))
        }
        // Longest first, so a whole URL is replaced before its pieces.
        return parts.sorted { $0.count > $1.count }
    }

    /// The first `limit` characters of `text` on one line, control characters as spaces.
    public static func excerpt(_ text: String, limit: Int = 200) -> String {
        var out = ""
        for ch in text.unicodeScalars.prefix(limit) {
            out.unicodeScalars.append(ch.value < 0x20 || ch.value == 0x7F ? " " : ch)
        }
        if text.unicodeScalars.count > limit { out += "…" }
        return out.trimmingSpaces()
    }

    /// `text` with every occurrence of each non-empty secret replaced by "<redacted>".
    public static func removing(_ secrets: [String], from text: String) -> String {
        var out = text
        for secret in secrets where !secret.isEmpty {
            out = out.replacingAll(secret, with: "<redacted>")
        }
        return out
    }
}

extension String {
    /// Replaces every occurrence of `target` (non-empty) with `replacement`, no Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
