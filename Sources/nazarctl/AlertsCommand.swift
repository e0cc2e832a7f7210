import ArgumentParser
import Foundation
import Host

/// `nazarctl alerts`: alerts by their latest state and the notifications sent for them,
/// read from the store nazar.toml names (works whether or not nazard runs).
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List alerts (firing by default) and their notifications' delivery state.",
        discussion: "Alerts come from the alert history (latest state per series); SILENCED names the active silences that match. Notifications are the outbox entries: pending, leased (being sent), delivered or failed, with attempts and the last error (a failed one was not retried: bad token, HTTP 4xx, max_attempts or max_age).")

    @Option(name: .long, help: ArgumentHelp("Path of nazar.toml.", valueName: "path"))
    var config: String = "/etc/nazar/nazar.toml"

    @Option(name: .long, help: ArgumentHelp("firing, resolved or all.", valueName: "state"))
    var state: String = "firing"

    @Option(name: .long, help: ArgumentHelp("Only what happened within this long (e.g. 1h, 2d).", valueName: "duration"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Label matchers, e.g. '{host=\"web1\", rule=~\"cpu.*\"}'.", valueName: "matchers"))
    var matchers: String?

    @Flag(name: .long, help: "Print JSON instead of tables.")
    var json = false

    func run() throws {
        guard let filter = AlertsReport.StateFilter(rawValue: state) else {
            throw ValidationError("--state: '\(state)' is not one of firing, resolved, all")
        }
        let now = wallClockNanoseconds()
        let from = try since.map { now - (try parseDurationOption($0, option: "--since")) }
        let parsedMatchers = try matchers.map(parseMatchersOption) ?? []
        let storage = try openConfiguredStorage(configPath: config)
        defer { storage.close() }
        let report: AlertsReport
        do {
            report = try AlertsReport.load(from: storage, state: filter, since: from, matchers: parsedMatchers, now: now)
        } catch {
            throw ValidationError("cannot read alerts: \(error)")
        }
        if json {
            try printJSON(report)
        } else {
            printTables(report)
        }
    }

    private func labelsText(_ labels: [StoredSeries.Label]) -> String {
        "{" + labels.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
    }

    private func printTables(_ report: AlertsReport) {
        if report.alerts.isEmpty {
            print("no \(state == "all" ? "" : "\(state) ")alerts")
        } else {
            printInstanceTable(report.alerts.map { a in
                [a.record.state, a.record.rule, a.record.severity, formatTimestamp(a.record.startsAt),
                 a.silencedBy.isEmpty ? "-" : a.silencedBy.map(String.init).joined(separator: ","),
                 labelsText(a.record.labels), a.record.summary]
            }, header: ["STATE", "RULE", "SEVERITY", "SINCE (UTC)", "SILENCED", "LABELS", "SUMMARY"])
        }
        print("")
        if report.notifications.isEmpty {
            print("no notifications")
            return
        }
        printInstanceTable(report.notifications.map { n in
            [String(n.entry.id), n.entry.notifier, n.entry.state.rawValue, String(n.entry.attempts),
             n.notification.map { "\($0.alert.rule) \($0.alert.state)" } ?? "?", formatTimestamp(n.entry.createdAt),
             n.entry.lastError.isEmpty ? "-" : n.entry.lastError]
        }, header: ["ID", "NOTIFIER", "DELIVERY", "ATTEMPTS", "ALERT", "QUEUED (UTC)", "LAST ERROR"])
    }

    private func printJSON(_ report: AlertsReport) throws {
        let alerts: [[String: Any]] = report.alerts.map { a in
            ["fingerprint": String(a.record.fingerprint, radix: 16), "rule": a.record.rule, "severity": a.record.severity,
             "state": a.record.state, "labels": Dictionary(a.record.labels.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }),
             "summary": a.record.summary, "starts_at_ns": a.record.startsAt, "updated_at_ns": a.record.timestamp,
             "silenced_by": a.silencedBy]
        }
        let notifications: [[String: Any]] = report.notifications.map { n in
            var o: [String: Any] = ["id": n.entry.id, "notifier": n.entry.notifier, "delivery": n.entry.state.rawValue,
                                    "attempts": n.entry.attempts, "last_error": n.entry.lastError,
                                    "fingerprint": String(n.entry.fingerprint, radix: 16), "queued_at_ns": n.entry.createdAt,
                                    "delivered_at_ns": n.entry.deliveredAt]
            if let g = n.notification {
                o["rule"] = g.alert.rule
                o["state"] = "\(g.alert.state)"
                o["summary"] = g.alert.summary
                o["alerts"] = g.count
            }
            return o
        }
        let data = try JSONSerialization.data(withJSONObject: ["alerts": alerts, "notifications": notifications],
                                              options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
