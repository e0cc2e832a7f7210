import NotifierKit
import PluginKit

/// Posts alerts to a Slack incoming webhook as Block Kit messages.
///
/// Config: `webhook_url` | `webhook_url_file` | `webhook_url_credential` (the URL is the
/// secret), `dashboard_url`, `username`, `channel`, `timeout`, and for tests `ca_file`,
/// `insecure_skip_verify`. See README.md in this folder.
struct SlackNotifier: Notifier {
    static let info = PluginInfo(name: "notifier-slack", version: "0.1.0",
                                 description: "Sends alerts to a Slack incoming webhook (Block Kit)")

    let host: PluginHost
    let webhook: SecretSource
    let message: SlackMessage
    let client: HTTPClient

    init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: SecretSource.keys("webhook_url")
            .union(TransportOptions.configKeys).union(["dashboard_url", "username", "channel"]))
        guard let webhook = try SecretSource.read("webhook_url", from: config, host: host) else {
            throw .config(key: "webhook_url", "missing")
        }
        // Never echo the URL: it is the credential.
        guard webhook.value.hasPrefix("https://") || webhook.value.hasPrefix("http://") else {
            throw .config(key: webhook.origin, "not an http(s) URL")
        }
        let dashboard = try config.string("dashboard_url")
        if let dashboard, !(dashboard.hasPrefix("https://") || dashboard.hasPrefix("http://")) {
            throw .config(key: "dashboard_url", "'\(dashboard)' is not an http(s) URL")
        }
        self.host = host
        self.webhook = webhook
        message = SlackMessage(dashboardURL: dashboard, username: try config.string("username"),
                               channel: try config.string("channel"), hostname: host.hostname)
        client = try HTTPClient(options: try TransportOptions(config: config))
    }

    mutating func notify(_ alert: DeliveredAlert) throws(PluginError) {
        let body = message.payload(for: alert)
        let response = try client.post(url: webhook.value, headers: ["Content-Type: application/json; charset=utf-8"],
                                       body: Array(body.utf8))
        try HTTPOutcome.check(response, service: "Slack", secrets: Redact.secretParts(ofURL: webhook.value),
                              nowSeconds: host.nowNanoseconds() / 1_000_000_000)
    }
}

@_cdecl("nazar_plugin_entry")
public func nazarPluginEntry() -> UnsafeRawPointer { PluginExport.notifier(SlackNotifier.self) }
