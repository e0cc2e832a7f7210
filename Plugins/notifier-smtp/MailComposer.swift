import NotifierKit
import PluginKit

/// Writes one alert as an RFC 5322 message: multipart/alternative with a text and an
/// HTML part, a Message-ID derived from the alert's fingerprint and start time, and for
/// a resolved alert In-Reply-To/References pointing at the firing mail, so mail clients
/// show both in one thread.
struct MailComposer: Sendable {
    var settings: SMTPSettings
    var hostname: String

    /// The domain for Message-IDs: the sender's, which is ours to name things under.
    var idDomain: String { String(settings.fromAddress.split(separator: "@").last ?? "localhost") }

    /// `<nazar.<fingerprint>.<start-ns>@domain>` for the firing mail, with ".resolved"
    /// before the '@' for the resolved one.
    func messageID(_ alert: DeliveredAlert, resolved: Bool) -> String {
        "<nazar.\(String(alert.fingerprint, radix: 16)).\(alert.startsAtNanoseconds)\(resolved ? ".resolved" : "")@\(idDomain)>"
    }

    func subject(_ alert: DeliveredAlert) -> String {
        let host = alert.label("host") ?? hostname
        var s = "[\(AlertText.state(alert))] \(AlertText.severity(alert.severity)): \(alert.rule) on \(host)"
        if !alert.summary.isEmpty { s += " – \(alert.summary)" }
        return s
    }

    /// The whole message with CRLF line ends. `nowNanoseconds` dates it; `boundaryNonce`
    /// makes the MIME boundary unique (the boundary must not occur in any part; base64
    /// parts cannot contain '=' runs followed by letters, so a prefix of "=_" is safe).
    func message(for alert: DeliveredAlert, nowNanoseconds: Int64, boundaryNonce: UInt64) -> [UInt8] {
        let resolved = alert.state == .resolved
        let boundary = "=_nazar_\(String(boundaryNonce, radix: 16))"
        var headers: [(String, String)] = [
            ("Date", AlertText.rfc5322(nowNanoseconds)),
            ("From", MailHeader.mailbox(settings.from, address: settings.fromAddress)),
            ("To", zip(settings.to, settings.toAddresses).map { MailHeader.mailbox($0.0, address: $0.1) }.joined(separator: ",\r\n ")),
            ("Subject", MailHeader.text(subject(alert))),
            ("Message-ID", messageID(alert, resolved: resolved)),
        ]
        if resolved {
            let parent = messageID(alert, resolved: false)
            headers.append(("In-Reply-To", parent))
            headers.append(("References", parent))
        }
        headers += [
            ("MIME-Version", "1.0"),
            ("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""),
            ("Auto-Submitted", "auto-generated"),  // RFC 3834: vacation responders stay quiet
            ("X-Nazar-Rule", MailHeader.text(alert.rule)),
            ("X-Nazar-Severity", AlertText.severity(alert.severity)),
            ("X-Nazar-State", resolved ? "resolved" : "firing"),
            ("X-Nazar-Fingerprint", String(alert.fingerprint, radix: 16)),
        ]
        var text = ""
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\nThis is a MIME message with text and HTML versions of a Nazar alert.\r\n"
        for (type, body) in [("text/plain", plainBody(alert)), ("text/html", htmlBody(alert))] {
            text += "\r\n--\(boundary)\r\n"
            text += "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            text += Base64.encode(Array(body.utf8), lineLength: 76) + "\r\n"
        }
        text += "\r\n--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    /// Name/value rows shown in both parts.
    func rows(_ alert: DeliveredAlert) -> [(String, String)] {
        var rows: [(String, String)] = [
            ("State", alert.state == .firing ? "firing" : "resolved"),
            ("Severity", AlertText.severity(alert.severity)),
            ("Rule", alert.rule),
            ("Host", alert.label("host") ?? hostname),
            ("Metric", alert.label("metric") ?? "—"),
            ("Value", AlertText.value(alert.value)),
            ("Started", AlertText.timestamp(alert.startsAtNanoseconds)),
        ]
        if alert.state == .resolved { rows.append(("Resolved", AlertText.timestamp(alert.timestampNanoseconds))) }
        let labels = AlertText.labels(alert, skipping: ["host", "metric"])
        if !labels.isEmpty { rows.append(("Labels", labels)) }
        if !alert.source.isEmpty { rows.append(("Detector", alert.source)) }
        return rows
    }

    /// The filled-in dashboard link, if configured.
    func dashboardLink(_ alert: DeliveredAlert) -> String? {
        settings.dashboardURL.map { DashboardLink.url($0, alert: alert, host: alert.label("host") ?? hostname) }
    }

    func plainBody(_ alert: DeliveredAlert) -> String {
        var s = subject(alert) + "\r\n\r\n"
        for (name, value) in rows(alert) { s += "\(name): \(value)\r\n" }
        if let link = dashboardLink(alert) { s += "\r\nDashboard: \(link)\r\n" }
        return s
    }

    func htmlBody(_ alert: DeliveredAlert) -> String {
        let colour = alert.state == .resolved ? "#2EB67D" : (alert.severity == .critical ? "#E01E5A" : alert.severity == .warning ? "#ECB22E" : "#36C5F0")
        var s = "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"><title>\(HTMLText.escaped(alert.rule))</title></head>\r\n<body>\r\n"
        s += "<h2 style=\"border-left:6px solid \(colour);padding-left:8px\">\(HTMLText.escaped(AlertText.state(alert))): \(HTMLText.escaped(alert.rule))</h2>\r\n"
        if !alert.summary.isEmpty { s += "<p>\(HTMLText.escaped(alert.summary))</p>\r\n" }
        s += "<table>\r\n"
        for (name, value) in rows(alert) {
            s += "<tr><th align=\"left\">\(HTMLText.escaped(name))</th><td>\(HTMLText.escaped(value))</td></tr>\r\n"
        }
        s += "</table>\r\n"
        if let link = dashboardLink(alert) {
            s += "<p><a href=\"\(HTMLText.escaped(link))\">Open dashboard</a></p>\r\n"
        }
        s += "</body></html>\r\n"
        return s
    }
}
