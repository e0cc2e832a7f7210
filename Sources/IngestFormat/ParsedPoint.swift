/// A label as the parsers hand it out: NUL-terminated key and value in the parser's
/// scratch memory. Same layout as the plugin ABI's `nazar_label` (two pointers).
public struct IngestLabel {
    public var key: UnsafePointer<CChar>
    public var value: UnsafePointer<CChar>
}

/// One parsed point, valid only during `IngestSink.accept` (it points into scratch
/// memory the parser reuses for the next point).
public struct ParsedPoint {
    /// The metric name, NUL-terminated (line protocol: `measurement.field`).
    public var name: UnsafePointer<CChar>
    public var labels: UnsafeBufferPointer<IngestLabel>
    public var value: Double
    /// Nanoseconds since the epoch; nil when the input gave none (the receiver stamps it).
    public var timestamp: Int64?
    /// 0-based position of the point in the batch (refused points count too).
    public var index: Int
    /// 1-based line of the input where the point starts.
    public var line: Int
}

/// Where a parser delivers points. Return nil to accept a point or a reason to refuse it
/// (the parser records the refusal with its position and goes on).
public protocol IngestSink {
    mutating func accept(_ point: ParsedPoint) -> String?
}

/// A point (or a whole line) that was not accepted, and why.
public struct IngestRefusal: Sendable, Equatable, CustomStringConvertible {
    /// 0-based index of the (first) point concerned.
    public var index: Int
    /// 1-based line and byte column of the input.
    public var line: Int
    public var column: Int
    public var reason: String

    public init(index: Int, line: Int, column: Int, reason: String) {
        self.index = index
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// What parsing one body did.
public struct IngestResult: Sendable, Equatable {
    /// Points the sink accepted.
    public var accepted = 0
    /// Points seen, accepted or refused.
    public var points = 0
    /// Refused points, in input order; at most `IngestResult.refusalListLimit` are kept.
    public var refusals: [IngestRefusal] = []
    /// Refusals counted, including those not kept in `refusals`.
    public var refusedCount = 0
    /// A syntax error that stopped parsing (JSON): everything before it was delivered.
    public var fatal: IngestRefusal?

    /// Refusals beyond this are only counted, so a body of garbage gets a bounded answer.
    public static let refusalListLimit = 100

    public init() {}

    mutating func refuse(_ r: IngestRefusal, points count: Int = 1) {
        refusedCount += count
        if refusals.count < Self.refusalListLimit { refusals.append(r) }
    }
}

/// The unit of line-protocol timestamps (`?precision=`).
public enum TimePrecision: String, Sendable, CaseIterable {
    case ns, us, ms, s

    /// Nanoseconds per unit.
    public var nanoseconds: Int64 {
        switch self {
        case .ns: return 1
        case .us: return 1_000
        case .ms: return 1_000_000
        case .s: return 1_000_000_000
        }
    }

    /// Accepts InfluxDB's spellings too (`n`, `u`, `µ`, `h`, `m` are not all ours: we take
    /// ns, n, us, u, µs, ms, s).
    public init?(influx text: String) {
        switch text {
        case "ns", "n": self = .ns
        case "us", "u", "µs", "µ": self = .us
        case "ms": self = .ms
        case "s": self = .s
        default: return nil
        }
    }
}
