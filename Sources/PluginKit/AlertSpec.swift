import PluginAPI

/// An alert as a detector raises or resolves it.
public struct AlertSpec: Sendable {
    public enum Severity: UInt32, Sendable {
        case info = 1, warning = 2, critical = 3

        public init?(name: String) {
            switch name {
            case "info": self = .info
            case "warning": self = .warning
            case "critical": self = .critical
            default: return nil
            }
        }
    }

    public var rule: String
    public var severity: Severity
    /// Identity of what the alert is about (host, metric, series labels).
    public var labels: [(String, String)]
    /// One readable line: "cpu.total 97.2% > 90% for 5m".
    public var summary: String
    public var value: Double
    /// Anomaly score in [0, 1], or NaN.
    public var score: Double
    /// When the condition started/ended, ns since epoch; 0 = now.
    public var timestampNanoseconds: Int64

    public init(rule: String, severity: Severity, labels: [(String, String)], summary: String,
                value: Double = .nan, score: Double = .nan, timestampNanoseconds: Int64 = 0) {
        self.rule = rule
        self.severity = severity
        self.labels = labels
        self.summary = summary
        self.value = value
        self.score = score
        self.timestampNanoseconds = timestampNanoseconds
    }

    func withCAlert<R>(_ body: (UnsafePointer<nazar_alert>) -> R) -> R {
        withLabels(labels) { labelPtr, count in
            rule.withCString { rulePtr in
                summary.withCString { summaryPtr in
                    var alert = nazar_alert()
                    alert.struct_size = UInt32(MemoryLayout<nazar_alert>.size)
                    alert.severity = severity.rawValue
                    alert.label_count = count
                    alert.rule = rulePtr
                    alert.labels = labelPtr
                    alert.summary = summaryPtr
                    alert.value = value
                    alert.score = score
                    alert.timestamp_ns = timestampNanoseconds
                    return withUnsafePointer(to: &alert) { body($0) }
                }
            }
        }
    }
}

/// An alert as a notifier receives it (a copy: safe to keep).
public struct DeliveredAlert: Sendable {
    public enum State: Sendable { case firing, resolved }

    public var rule: String
    public var severity: AlertSpec.Severity
    public var state: State
    public var labels: [(String, String)]
    public var summary: String
    public var value: Double
    public var score: Double
    public var timestampNanoseconds: Int64
    public var startsAtNanoseconds: Int64
    public var fingerprint: UInt64
    public var source: String

    public func label(_ key: String) -> String? { labels.first { $0.0 == key }?.1 }

    public init(_ raw: UnsafePointer<nazar_alert>) {
        let a = raw.pointee
        // Fields appended in later ABIs would be read only when struct_size covers them.
        rule = a.rule.map { String(cString: $0) } ?? ""
        severity = AlertSpec.Severity(rawValue: a.severity) ?? .warning
        state = a.state == NAZAR_ALERT_RESOLVED ? .resolved : .firing
        if let labels = a.labels {
            self.labels = (0..<Int(a.label_count)).map {
                (String(cString: labels[$0].key), String(cString: labels[$0].value))
            }
        } else {
            self.labels = []
        }
        summary = a.summary.map { String(cString: $0) } ?? ""
        value = a.value
        score = a.score
        timestampNanoseconds = a.timestamp_ns
        startsAtNanoseconds = a.starts_at_ns
        fingerprint = a.fingerprint
        source = a.source.map { String(cString: $0) } ?? ""
    }
}
