/// An alert as the host carries it between detectors and notifiers.
public struct AlertEvent: Sendable, Equatable {
    public enum Severity: UInt32, Sendable, CustomStringConvertible {
        case info = 1, warning = 2, critical = 3
        public var description: String {
            switch self {
            case .info: return "info"
            case .warning: return "warning"
            case .critical: return "critical"
            }
        }
    }

    public enum State: UInt32, Sendable, CustomStringConvertible {
        case firing = 1, resolved = 2
        public var description: String { self == .firing ? "firing" : "resolved" }
    }

    public var rule: String
    public var severity: Severity
    public var state: State
    /// Sorted by key.
    public var labels: [(String, String)]
    public var summary: String
    public var value: Double
    public var score: Double
    /// When the condition started (firing) or ended (resolved), ns since the epoch.
    public var timestamp: Int64
    /// When it started firing.
    public var startsAt: Int64
    /// Instance name of the detector that raised it.
    public var source: String

    /// `labels` must be sorted by key (the fingerprint depends on their order).
    public init(rule: String, severity: Severity, state: State, labels: [(String, String)], summary: String,
                value: Double, score: Double, timestamp: Int64, startsAt: Int64, source: String) {
        self.rule = rule
        self.severity = severity
        self.state = state
        self.labels = labels
        self.summary = summary
        self.value = value
        self.score = score
        self.timestamp = timestamp
        self.startsAt = startsAt
        self.source = source
    }

    /// FNV-1a 64 of rule and sorted labels: stable across restarts and hosts, so it can
    /// thread messages and de-duplicate.
    public var fingerprint: UInt64 { Self.fingerprint(rule: rule, labels: labels) }

    public static func fingerprint(rule: String, labels: [(String, String)]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ s: String) {
            for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            h = (h ^ 0xff) &* 0x0000_0100_0000_01b3
        }
        mix(rule)
        for (k, v) in labels { mix(k); mix(v) }
        return h
    }

    /// The bus topic: alerts.<severity>.<rule>.
    public var topic: String { "alerts.\(severity).\(rule)" }

    public static func == (a: AlertEvent, b: AlertEvent) -> Bool {
        a.rule == b.rule && a.severity == b.severity && a.state == b.state
            && a.labels.elementsEqual(b.labels, by: { $0 == $1 }) && a.summary == b.summary
            && a.timestamp == b.timestamp && a.source == b.source
    }
}
