/// One row of alert history: an alert as it fired or resolved.
public struct AlertRecord: Sendable, Equatable {
    public var id: Int64
    public var fingerprint: UInt64
    public var rule: String
    public var severity: String
    public var state: String
    public var labels: [StoredSeries.Label]
    public var summary: String
    public var value: Double
    public var timestamp: Int64
    public var startsAt: Int64
    public var source: String

    /// A record of `event`, not yet stored (id 0).
    public init(_ event: AlertEvent) {
        id = 0
        fingerprint = event.fingerprint
        rule = event.rule
        severity = "\(event.severity)"
        state = "\(event.state)"
        labels = event.labels.map { StoredSeries.Label($0.0, $0.1) }
        summary = event.summary
        value = event.value
        timestamp = event.timestamp
        startsAt = event.startsAt
        source = event.source
    }

    public init(id: Int64, fingerprint: UInt64, rule: String, severity: String, state: String,
                labels: [StoredSeries.Label], summary: String, value: Double, timestamp: Int64,
                startsAt: Int64, source: String) {
        self.id = id
        self.fingerprint = fingerprint
        self.rule = rule
        self.severity = severity
        self.state = state
        self.labels = labels
        self.summary = summary
        self.value = value
        self.timestamp = timestamp
        self.startsAt = startsAt
        self.source = source
    }
}

/// Which alert history rows a query wants; nil fields do not filter. Results are newest first.
public struct AlertHistoryFilter: Sendable, Equatable {
    public var from: Int64?
    public var to: Int64?
    public var rule: String?
    public var severity: String?
    public var state: String?
    public var fingerprint: UInt64?
    public var matchers: [LabelMatcher]
    public var limit: Int

    public init(from: Int64? = nil, to: Int64? = nil, rule: String? = nil, severity: String? = nil,
                state: String? = nil, fingerprint: UInt64? = nil, matchers: [LabelMatcher] = [], limit: Int = 1000) {
        self.from = from
        self.to = to
        self.rule = rule
        self.severity = severity
        self.state = state
        self.fingerprint = fingerprint
        self.matchers = matchers
        self.limit = limit
    }
}

/// A silence: alerts whose labels match every matcher are not notified between
/// `startsAt` and `endsAt` (or until expired early).
public struct Silence: Sendable, Equatable {
    public var id: Int64
    public var matchers: [LabelMatcher]
    public var startsAt: Int64
    public var endsAt: Int64
    public var createdBy: String
    public var comment: String

    public init(id: Int64 = 0, matchers: [LabelMatcher], startsAt: Int64, endsAt: Int64,
                createdBy: String, comment: String) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
    }
}

/// A notification waiting for (or done with) delivery by one notifier instance.
public struct OutboxEntry: Sendable, Equatable {
    public enum State: String, Sendable { case pending, leased, delivered, failed }
    public var id: Int64
    public var notifier: String
    public var fingerprint: UInt64
    /// The rendered message, opaque to storage.
    public var payload: String
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var lastError: String
    /// When it was enqueued (0 where a query does not read it).
    public var createdAt: Int64 = 0
    /// When it was delivered; 0 until then.
    public var deliveredAt: Int64 = 0
}

/// The oldest entry a notifier still has to deliver: deliveries are strictly in enqueue
/// order per notifier, so a resolved notification never overtakes its firing one.
public enum OutboxHead: Sendable, Equatable {
    /// Leased to the caller: deliver it, then mark it delivered or failed.
    case leased(OutboxEntry)
    /// The oldest entry waits for a retry (or another worker's lease) until this time.
    case notBefore(Int64)
    /// Nothing left to deliver.
    case empty
}

/// Which outbox entries a listing wants; nil fields do not filter. Results are newest first.
public struct OutboxFilter: Sendable, Equatable {
    public var notifier: String?
    public var states: [OutboxEntry.State]
    public var since: Int64?
    public var fingerprint: UInt64?
    public var limit: Int

    public init(notifier: String? = nil, states: [OutboxEntry.State] = [], since: Int64? = nil,
                fingerprint: UInt64? = nil, limit: Int = 1000) {
        self.notifier = notifier
        self.states = states
        self.since = since
        self.fingerprint = fingerprint
        self.limit = limit
    }
}
