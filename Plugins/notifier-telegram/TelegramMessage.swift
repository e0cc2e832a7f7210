import NotifierKit
import PluginKit

/// The message text in Telegram's HTML parse mode, within its length limit.
///
/// Telegram accepts at most 4096 characters *after* entity parsing (tags do not count,
/// `&lt;` counts as one), measured in UTF-16 code units. The free-text parts (summary,
/// labels) are shortened before escaping, by whole characters, so the text can never be
/// cut inside a UTF-8 sequence, an entity or a tag.
enum TelegramMessage {
    static let limit = 4096

    /// `dashboardLink` (already filled in) is appended as an "Open dashboard" link.
    static func html(for alert: DeliveredAlert, hostname: String, dashboardLink: String? = nil) -> String {
        let host = alert.label("host") ?? hostname
        let icon = alert.state == .resolved ? "✅" : (alert.severity == .critical ? "🚨" : "⚠️")
        var summary = alert.summary
        var labels = AlertText.labels(alert, skipping: ["host", "metric"])
        var fixed: [(String, String)] = [
            ("Severity", AlertText.severity(alert.severity)),
            ("Host", host),
            ("Metric", alert.label("metric") ?? "—"),
            ("Value", AlertText.value(alert.value)),
            ("Started", AlertText.timestamp(alert.startsAtNanoseconds)),
        ]
        if alert.state == .resolved { fixed.append(("Resolved", AlertText.timestamp(alert.timestampNanoseconds))) }
        let title = "\(icon) \(AlertText.state(alert)): \(alert.rule)"

        func render(_ summary: String, _ labels: String) -> (html: String, visible: Int) {
            var html = "<b>\(HTMLText.escaped(title))</b>\n"
            var visible = title.utf16.count + 1
            if !summary.isEmpty {
                html += HTMLText.escaped(summary) + "\n"
                visible += summary.utf16.count + 1
            }
            for (name, value) in fixed {
                html += "\n<b>\(name):</b> \(HTMLText.escaped(value))"
                visible += 1 + name.utf16.count + 2 + value.utf16.count
            }
            if !labels.isEmpty {
                html += "\n<b>Labels:</b> <code>\(HTMLText.escaped(labels))</code>"
                visible += 1 + 8 + labels.utf16.count
            }
            if let dashboardLink {
                html += "\n<a href=\"\(HTMLText.escaped(dashboardLink))\">Open dashboard</a>"
                visible += 1 + 14
            }
            return (html, visible)
        }

        var rendered = render(summary, labels)
        if rendered.visible > limit {
            // Shorten the longer free-text part first; one pass each is enough because
            // the fixed part is far below the limit.
            let excess = rendered.visible - limit
            if summary.utf16.count >= labels.utf16.count {
                summary = shortened(summary, by: excess)
            } else {
                labels = shortened(labels, by: excess)
            }
            rendered = render(summary, labels)
            if rendered.visible > limit {
                let other = rendered.visible - limit
                if labels.utf16.count > 0 { labels = shortened(labels, by: other) } else { summary = shortened(summary, by: other) }
                rendered = render(summary, labels)
            }
        }
        return rendered.html
    }

    /// `text` made at least `excess` UTF-16 units shorter, ending in "…" (which is one
    /// unit), cut between whole characters.
    static func shortened(_ text: String, by excess: Int) -> String {
        let target = max(0, text.utf16.count - excess - 1)
        var out = ""
        var used = 0
        for ch in text {
            let n = ch.utf16.count
            if used + n > target { break }
            out.append(ch)
            used += n
        }
        return out + "…"
    }
}
