import PluginKit

/// What one outbox entry asks a notifier to deliver: the group's representative alert, its
/// summary already counting the rest of the group, and the group's size. Stored as JSON
/// text in the outbox payload, so a restarted daemon and `nazarctl alerts` read it back.
public struct GroupNotification: Sendable, Equatable {
    /// The alert handed to notify(); its summary names the group ("cpu_high on web1 and 11 more").
    public var alert: AlertEvent
    /// Alerts firing in the group when it was sent (for a resolved notification: alerts resolved).
    public var count: Int
    /// Alerts of the group that resolved since its previous notification.
    public var resolvedCount: Int
    /// A resolved notice for incidents that fired and resolved before the group notified
    /// them (`count` of them, one per series): the only notice they get.
    public var unannounced: Bool

    public init(alert: AlertEvent, count: Int, resolvedCount: Int = 0, unannounced: Bool = false) {
        self.alert = alert
        self.count = count
        self.resolvedCount = resolvedCount
        self.unannounced = unannounced
    }

    /// The payload's JSON text.
    public var payload: String {
        let a = alert
        return JSONEscaping.encode(.object([
            ("rule", .string(a.rule)), ("severity", .string("\(a.severity)")), ("state", .string("\(a.state)")),
            ("labels", .object(a.labels.map { ($0.0, .string($0.1)) })), ("summary", .string(a.summary)),
            ("value", a.value.isFinite ? .number(a.value) : .null), ("score", a.score.isFinite ? .number(a.score) : .null),
            // Nanosecond times and the fingerprint do not fit a double exactly: strings.
            ("timestamp", .string(String(a.timestamp))), ("starts_at", .string(String(a.startsAt))),
            ("source", .string(a.source)), ("count", .number(Double(count))), ("resolved_count", .number(Double(resolvedCount))),
            ("unannounced", .bool(unannounced)),
        ]))
    }

    /// Reads a payload written by `payload`; the error names the field that is wrong.
    public init(payload: String) throws(GroupNotificationError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(payload)
        } catch {
            throw GroupNotificationError(field: "payload", reason: "\(error)")
        }
        func string(_ key: String) throws(GroupNotificationError) -> String {
            guard case let .string(s)? = json[key] else { throw GroupNotificationError(field: key, reason: "missing or not a string") }
            return s
        }
        func number(_ key: String) -> Double {
            if case let .number(d)? = json[key] { return d }
            return .nan
        }
        func time(_ key: String) throws(GroupNotificationError) -> Int64 {
            guard let t = Int64(try string(key)) else { throw GroupNotificationError(field: key, reason: "not an integer") }
            return t
        }
        guard let severity = AlertEvent.Severity.named(try string("severity")) else {
            throw GroupNotificationError(field: "severity", reason: "not info, warning or critical")
        }
        let stateWord = try string("state")
        guard stateWord == "firing" || stateWord == "resolved" else {
            throw GroupNotificationError(field: "state", reason: "'\(stateWord)' is not firing or resolved")
        }
        guard case let .object(members)? = json["labels"] else { throw GroupNotificationError(field: "labels", reason: "missing or not an object") }
        var labels: [(String, String)] = []
        for (k, v) in members {
            guard case let .string(s) = v else { throw GroupNotificationError(field: "labels.\(k)", reason: "not a string") }
            labels.append((k, s))
        }
        alert = AlertEvent(rule: try string("rule"), severity: severity, state: stateWord == "firing" ? .firing : .resolved,
                           labels: labels, summary: try string("summary"), value: number("value"), score: number("score"),
                           timestamp: try time("timestamp"), startsAt: try time("starts_at"), source: try string("source"))
        let c = number("count")
        count = c.isFinite && c >= 0 ? Int(c) : 1
        let r = number("resolved_count")
        resolvedCount = r.isFinite && r >= 0 ? Int(r) : 0
        // Absent in payloads written before it existed.
        if case let .bool(b)? = json["unannounced"] { unannounced = b } else { unannounced = false }
    }
}

/// An outbox payload that cannot be read back (written by another version, or damaged).
public struct GroupNotificationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String
    public var reason: String
    public var description: String { "notification payload: \(field): \(reason)" }
}
