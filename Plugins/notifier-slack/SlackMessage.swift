import NotifierKit
import PluginKit

/// Builds the webhook payload: a `text` fallback (what phone notifications show) and one
/// attachment carrying the severity colour bar around Block Kit blocks.
struct SlackMessage: Sendable {
    var dashboardURL: String?
    var username: String?
    var channel: String?
    var hostname: String

    /// Colour bar per severity; resolved alerts are always green.
    static func colour(for alert: DeliveredAlert) -> String {
        if alert.state == .resolved { return "#2EB67D" }
        switch alert.severity {
        case .critical: return "#E01E5A"
        case .warning: return "#ECB22E"
        case .info: return "#36C5F0"
        }
    }

    func payload(for alert: DeliveredAlert) -> String {
        let host = alert.label("host") ?? hostname
        let metric = alert.label("metric") ?? "—"
        let state = AlertText.state(alert)
        let severity = AlertText.severity(alert.severity)
        let emoji = alert.state == .resolved ? ":white_check_mark:" : (alert.severity == .critical ? ":rotating_light:" : ":warning:")
        let title = "\(state): \(alert.rule) on \(host)"

        var blocks: [String] = []
        blocks.append(JSONText.object([
            ("type", JSONText.quoted("header")),
            ("text", plain(SlackText.limit("\(emoji) \(title)", 150))),
        ]))
        if !alert.summary.isEmpty {
            blocks.append(section(text: SlackText.escaped(SlackText.limit(alert.summary, 2900))))
        }
        var fields = [
            field("Severity", severity), field("Rule", alert.rule),
            field("Host", host), field("Metric", metric),
            field("Value", AlertText.value(alert.value)),
            field("Started", AlertText.timestamp(alert.startsAtNanoseconds)),
        ]
        if alert.state == .resolved {
            fields.append(field("Resolved", AlertText.timestamp(alert.timestampNanoseconds)))
        }
        blocks.append(JSONText.object([("type", JSONText.quoted("section")), ("fields", JSONText.array(fields))]))
        let other = AlertText.labels(alert, skipping: ["host", "metric"])
        if !other.isEmpty {
            blocks.append(JSONText.object([
                ("type", JSONText.quoted("context")),
                ("elements", JSONText.array([mrkdwn("Labels: " + SlackText.escaped(SlackText.limit(other, 2900)))])),
            ]))
        }
        if let dashboardURL {
            let button = JSONText.object([
                ("type", JSONText.quoted("button")),
                ("text", plain("Open dashboard")),
                ("url", JSONText.quoted(DashboardLink.url(dashboardURL, alert: alert, host: host))),
            ])
            blocks.append(JSONText.object([("type", JSONText.quoted("actions")), ("elements", JSONText.array([button]))]))
        }

        var members: [(String, String)] = [
            ("text", JSONText.quoted(SlackText.escaped("[\(state)] \(severity) \(alert.rule) on \(host): \(alert.summary)"))),
        ]
        if let username { members.append(("username", JSONText.quoted(username))) }
        if let channel { members.append(("channel", JSONText.quoted(channel))) }
        members.append(("attachments", JSONText.array([JSONText.object([
            ("color", JSONText.quoted(Self.colour(for: alert))),
            ("fallback", JSONText.quoted(SlackText.escaped(title))),
            ("blocks", JSONText.array(blocks)),
        ])])))
        return JSONText.object(members)
    }

    private func plain(_ text: String) -> String {
        JSONText.object([("type", JSONText.quoted("plain_text")), ("text", JSONText.quoted(text)), ("emoji", "true")])
    }

    private func mrkdwn(_ text: String) -> String {
        JSONText.object([("type", JSONText.quoted("mrkdwn")), ("text", JSONText.quoted(text))])
    }

    private func section(text: String) -> String {
        JSONText.object([("type", JSONText.quoted("section")), ("text", mrkdwn(text))])
    }

    private func field(_ name: String, _ value: String) -> String {
        mrkdwn("*\(name)*\n" + SlackText.escaped(SlackText.limit(value, 1900)))
    }
}

/// Slack's text rules: `&`, `<` and `>` are control characters in mrkdwn and must be
/// sent as entities; block texts have length limits.
enum SlackText {
    static func escaped(_ text: String) -> String {
        var out = ""
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// At most `max` characters (grapheme clusters, so never half a character), with "…".
    static func limit(_ text: String, _ max: Int) -> String {
        text.count <= max ? text : String(text.prefix(max - 1)) + "…"
    }
}
