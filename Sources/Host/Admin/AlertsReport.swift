/// What `nazarctl alerts` shows, read from the daemon's store so it works from another
/// process: each alert's latest state from alert_history, the active silences that match
/// it, and the outbox's notifications with their delivery state, attempts and last error.
public struct AlertsReport: Sendable {
    public enum StateFilter: String, Sendable, CaseIterable {
        case firing, resolved, all
    }

    /// One alert series (fingerprint) in its latest recorded state.
    public struct Alert: Sendable {
        public var record: AlertRecord
        /// Ids of active silences matching it.
        public var silencedBy: [Int64]
    }

    /// One outbox entry and the notification it holds (nil if its payload is unreadable).
    public struct Notification: Sendable {
        public var entry: OutboxEntry
        public var notification: GroupNotification?
    }

    public var alerts: [Alert]
    public var notifications: [Notification]

    /// Reads the report. `since` bounds both the history and the outbox (ns since the epoch).
    public static func load(from storage: any Storage, state: StateFilter, since: Int64?, matchers: [LabelMatcher],
                            now: Int64, limit: Int = 100_000) throws(StorageError) -> AlertsReport {
        let history = try storage.alertHistory(AlertHistoryFilter(from: since, matchers: matchers, limit: limit))
        let silences = try storage.activeSilences(at: now)
        var seen = Set<UInt64>()
        var alerts: [Alert] = []
        for record in history where seen.insert(record.fingerprint).inserted {  // newest first: the latest state wins
            guard state == .all || record.state == state.rawValue else { continue }
            let event = AlertEvent(record)
            let ids = silences.filter { event.matches($0.matchers) }.map(\.id)
            alerts.append(Alert(record: record, silencedBy: ids))
        }
        alerts.sort { ($0.record.startsAt, $0.record.fingerprint) < ($1.record.startsAt, $1.record.fingerprint) }
        var notifications: [Notification] = []
        for entry in try storage.outboxEntries(OutboxFilter(since: since, limit: 1000)) {
            let n = try? GroupNotification(payload: entry.payload)
            if let n, !matchers.isEmpty && !n.alert.matches(matchers) { continue }
            notifications.append(Notification(entry: entry, notification: n))
        }
        return AlertsReport(alerts: alerts, notifications: notifications)
    }
}

extension AlertEvent {
    /// The alert a history record describes (for matching silences and filters).
    init(_ record: AlertRecord) {
        self.init(rule: record.rule, severity: AlertEvent.Severity.named(record.severity) ?? .warning,
                  state: record.state == "resolved" ? .resolved : .firing, labels: record.labels.map { ($0.key, $0.value) },
                  summary: record.summary, value: record.value, score: .nan, timestamp: record.timestamp,
                  startsAt: record.startsAt, source: record.source)
    }
}
