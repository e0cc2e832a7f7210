import NotifierKit
import PluginKit

/// Sends alerts to a Telegram chat through the Bot API's `sendMessage`, HTML parse mode.
///
/// Config: `bot_token` | `bot_token_file` | `bot_token_credential`, `chat_id` (integer,
/// or "@channel"), `dashboard_url`, `api_base` (default https://api.telegram.org; tests point it at a
/// loopback stand-in), `timeout`, `ca_file`, `insecure_skip_verify`.
struct TelegramNotifier: Notifier {
    static let info = PluginInfo(name: "notifier-telegram", version: "0.1.0",
                                 description: "Sends alerts to a Telegram chat via the Bot API")

    let host: PluginHost
    let token: SecretSource
    let chatID: String  // already JSON-encoded: a number or a string
    let endpoint: String
    let dashboardURL: String?
    let client: HTTPClient

    init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: SecretSource.keys("bot_token")
            .union(TransportOptions.configKeys).union(["chat_id", "api_base", "dashboard_url"]))
        guard let token = try SecretSource.read("bot_token", from: config, host: host) else {
            throw .config(key: "bot_token", "missing")
        }
        // Tokens look like "123456:ABC-def_…"; anything else would also corrupt the URL path.
        guard token.value.utf8.allSatisfy(Self.isTokenByte) else {
            throw .config(key: token.origin, "is not a bot token (expected digits, ':' and [A-Za-z0-9_-])")
        }
        switch config.value("chat_id") {
        case let .number(n)? where n.rounded() == n && abs(n) < 1e15:
            chatID = String(Int64(n))
        case let .string(s)? where !s.isEmpty:
            chatID = JSONText.quoted(s)
        case nil:
            throw .config(key: "chat_id", "missing: the chat's numeric id, or \"@channelname\"")
        case let other?:
            throw .config(key: "chat_id", "expected an integer or a string, got \(other.typeName)")
        }
        var base = try config.string("api_base", default: "https://api.telegram.org")
        guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
            throw .config(key: "api_base", "'\(base)' is not an http(s) URL")
        }
        while base.hasSuffix("/") { base.removeLast() }
        dashboardURL = try config.string("dashboard_url")
        if let dashboardURL, !(dashboardURL.hasPrefix("https://") || dashboardURL.hasPrefix("http://")) {
            throw .config(key: "dashboard_url", "'\(dashboardURL)' is not an http(s) URL")
        }
        self.host = host
        self.token = token
        endpoint = "\(base)/bot\(token.value)/sendMessage"
        client = try HTTPClient(options: try TransportOptions(config: config))
    }

    static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x3A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
    }

    mutating func notify(_ alert: DeliveredAlert) throws(PluginError) {
        let link = dashboardURL.map { DashboardLink.url($0, alert: alert, host: alert.label("host") ?? host.hostname) }
        let text = TelegramMessage.html(for: alert, hostname: host.hostname, dashboardLink: link)
        let body = JSONText.object([
            ("chat_id", chatID),
            ("text", JSONText.quoted(text)),
            ("parse_mode", JSONText.quoted("HTML")),
            ("disable_web_page_preview", "true"),
        ])
        let response = try client.post(url: endpoint, headers: ["Content-Type: application/json; charset=utf-8"],
                                       body: Array(body.utf8))
        try HTTPOutcome.check(response, service: "Telegram", secrets: [token.value],
                              nowSeconds: host.nowNanoseconds() / 1_000_000_000,
                              retryAfterFromBody: Self.retryAfterMilliseconds(response))
    }

    /// Telegram puts the delay for 429 in the body: {"parameters":{"retry_after":N}}.
    static func retryAfterMilliseconds(_ response: HTTPResponse) -> Int64? {
        guard response.status == 429, let doc = try? JSONValue.parse(response.bodyText),
              case let .number(seconds)? = doc["parameters"]?["retry_after"], seconds >= 0, seconds < 86_400 else { return nil }
        return Int64(seconds * 1000)
    }
}

@_cdecl("nazar_plugin_entry")
public func nazarPluginEntry() -> UnsafeRawPointer { PluginExport.notifier(TelegramNotifier.self) }
