import NotifierKit
import PluginKit

/// The validated `[config]` of one SMTP notifier instance.
struct SMTPSettings: Sendable {
    enum StartTLS: String, Sendable {
        /// Refuse to send unless the server upgrades the connection (the default).
        case required
        /// Upgrade when the server offers it, else send in clear text.
        case opportunistic
        /// Never upgrade (a local relay on loopback).
        case off
    }

    /// smtp://host[:port] or smtps://host[:port] (implicit TLS, port 465).
    var url: String
    var startTLS: StartTLS
    var username: String?
    var password: SecretSource?
    /// The From header as written ("Nazar <nazar@example.org>") and its bare address.
    var from: String
    var fromAddress: String
    var to: [String]
    var toAddresses: [String]
    var transport: TransportOptions
    /// Link template for the "Open dashboard" line (see `DashboardLink`).
    var dashboardURL: String?

    static let keys: Set<String> = SecretSource.keys("password").union(TransportOptions.configKeys)
        .union(["url", "starttls", "username", "from", "to", "dashboard_url"])

    init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        guard let url = try config.string("url") else {
            throw .config(key: "url", "missing: e.g. \"smtp://mail.example.org:587\" or \"smtps://mail.example.org\"")
        }
        let isSMTPS = url.hasPrefix("smtps://")
        guard isSMTPS || url.hasPrefix("smtp://"), url.count > 8 else {
            throw .config(key: "url", "'\(Redact.origin(of: url))' must start with smtp:// or smtps://")
        }
        guard !url.dropFirst(isSMTPS ? 8 : 7).contains("@") else {
            throw .config(key: "url", "must not contain credentials: use username and password_file")
        }
        self.url = url
        let mode = try config.string("starttls", default: "required")
        guard let startTLS = StartTLS(rawValue: mode) else {
            throw .config(key: "starttls", "'\(mode)' is not one of required, opportunistic, off")
        }
        if isSMTPS && config.has("starttls") {
            throw .config(key: "starttls", "does not apply to smtps:// (TLS from the first byte); remove it")
        }
        self.startTLS = startTLS
        username = try config.string("username")
        password = try SecretSource.read("password", from: config, host: host, required: username != nil)
        if password != nil && username == nil {
            throw .config(key: "username", "missing: a password is set but no username")
        }
        guard let from = try config.string("from") else { throw .config(key: "from", "missing: the sender address") }
        self.from = from
        fromAddress = try Self.address(in: from, key: "from")
        guard let to = try config.strings("to"), !to.isEmpty else {
            throw .config(key: "to", "missing: a list of recipient addresses")
        }
        self.to = to
        var addresses: [String] = []
        for (i, entry) in to.enumerated() { addresses.append(try Self.address(in: entry, key: "to[\(i)]")) }
        toAddresses = addresses
        transport = try TransportOptions(config: config)
        dashboardURL = try config.string("dashboard_url")
        if let dashboardURL, !(dashboardURL.hasPrefix("https://") || dashboardURL.hasPrefix("http://")) {
            throw .config(key: "dashboard_url", "'\(dashboardURL)' is not an http(s) URL")
        }
    }

    /// "Name <a@b>" → "a@b"; "a@b" → "a@b". Refuses CR/LF (header injection) and
    /// anything without exactly one '@'.
    static func address(in text: String, key: String) throws(PluginError) -> String {
        guard !text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw .config(key: key, "must not contain line breaks")
        }
        var address = text
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            address = String(text[text.index(after: open)..<close])
        }
        address = address.trimmingSpaces()
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !address.contains(where: { $0 == " " || $0 == "<" || $0 == ">" }) else {
            throw .config(key: key, "'\(text)' is not an e-mail address")
        }
        return address
    }
}
