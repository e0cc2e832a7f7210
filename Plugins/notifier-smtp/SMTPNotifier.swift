import NotifierKit
import PluginKit

/// E-mails alerts over SMTP (libcurl): STARTTLS or SMTPS, AUTH, multipart text + HTML,
/// resolved mails threaded under the firing one.
///
/// Config: `url`, `starttls` (required | opportunistic | off), `username`,
/// `password` | `password_file` | `password_credential`, `from`, `to` (list), `timeout`,
/// and for tests `ca_file`, `insecure_skip_verify`. See README.md in this folder.
struct SMTPNotifier: Notifier {
    static let info = PluginInfo(name: "notifier-smtp", version: "0.1.0",
                                 description: "E-mails alerts over SMTP (STARTTLS/SMTPS, AUTH, text + HTML)")

    let host: PluginHost
    let composer: MailComposer
    let transfer: SMTPTransfer

    init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        let settings = try SMTPSettings(config: config, host: host)
        self.host = host
        composer = MailComposer(settings: settings, hostname: host.hostname)
        transfer = try SMTPTransfer(settings: settings)
    }

    mutating func notify(_ alert: DeliveredAlert) throws(PluginError) {
        let message = composer.message(for: alert, nowNanoseconds: host.nowNanoseconds(),
                                       boundaryNonce: UInt64.random(in: 0...UInt64.max))
        try transfer.send(message)
    }
}

@_cdecl("nazar_plugin_entry")
public func nazarPluginEntry() -> UnsafeRawPointer { PluginExport.notifier(SMTPNotifier.self) }
