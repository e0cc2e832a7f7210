import PluginKit

/// Writes every alert it receives to the journal, one line each, with the alert's
/// rule, severity, state and labels as fields (NAZAR_ALERT=<rule>).
struct LogNotifier: Notifier {
    static let info = PluginInfo(name: "notifier-log", version: "0.1.0",
                                 description: "Writes alerts to the journal (or stderr)")
    let host: PluginHost
    let level: PluginHost.LogLevel

    init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: ["level"])
        switch try config.string("level", default: "warning") {
        case "error": level = .error
        case "warning": level = .warning
        case "notice": level = .notice
        case "info": level = .info
        case let other: throw .config(key: "level", "'\(other)' is not one of error, warning, notice, info")
        }
        self.host = host
    }

    mutating func notify(_ alert: DeliveredAlert) throws(PluginError) {
        let state = alert.state == .firing ? "firing" : "resolved"
        var fields: [(String, String)] = [
            ("NAZAR_EVENT", alert.state == .firing ? "alert_fired" : "alert_resolved"),
            ("NAZAR_ALERT", alert.rule),
            ("NAZAR_SEVERITY", "\(alert.severity)"),
            ("NAZAR_ALERT_STATE", state),
            ("NAZAR_FINGERPRINT", String(alert.fingerprint, radix: 16)),
            ("NAZAR_SOURCE", alert.source),
        ]
        for (k, v) in alert.labels { fields.append(("NAZAR_LABEL_\(k)", v)) }
        if !alert.value.isNaN { fields.append(("NAZAR_VALUE", "\(alert.value)")) }
        let labelText = alert.labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let level = alert.state == .firing ? self.level : .info
        host.log(level, "[\(state)] \(alert.severity) \(alert.rule) {\(labelText)}: \(alert.summary)", fields)
    }
}

@_cdecl("nazar_plugin_entry")
public func nazarPluginEntry() -> UnsafeRawPointer { PluginExport.notifier(LogNotifier.self) }
