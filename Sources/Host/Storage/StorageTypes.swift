/// A point as storage writes it: the storage's own series id (not the bus id), the
/// timestamp in nanoseconds since the Unix epoch, and the value.
public struct StoredPoint: Sendable, Equatable {
    public var series: Int64
    public var timestamp: Int64
    public var value: Double

    @inline(__always)
    public init(series: Int64, timestamp: Int64, value: Double) {
        self.series = series
        self.timestamp = timestamp
        self.value = value
    }
}

/// The resolutions points are kept at. Each has its own retention.
public enum StorageTier: String, Sendable, CaseIterable, Comparable {
    case raw
    case minute = "1m"
    case hour = "1h"

    /// Bucket width in nanoseconds (0 for raw).
    public var resolution: Int64 {
        switch self {
        case .raw: return 0
        case .minute: return 60_000_000_000
        case .hour: return 3_600_000_000_000
        }
    }

    /// The table holding this tier.
    var table: String {
        switch self {
        case .raw: return "points"
        case .minute: return "rollup_1m"
        case .hour: return "rollup_1h"
        }
    }

    public static func < (a: StorageTier, b: StorageTier) -> Bool { a.resolution < b.resolution }
}

/// How long each tier is kept, in nanoseconds.
public struct StorageRetention: Sendable, Equatable {
    public var raw: Duration
    public var minute: Duration
    public var hour: Duration

    public init(raw: Duration = .seconds(7 * 86_400), minute: Duration = .seconds(90 * 86_400),
                hour: Duration = .seconds(730 * 86_400)) {
        self.raw = raw
        self.minute = minute
        self.hour = hour
    }

    public func of(_ tier: StorageTier) -> Duration {
        switch tier {
        case .raw: return raw
        case .minute: return minute
        case .hour: return hour
        }
    }
}

/// How the points of one step are combined into one value.
public enum StorageAggregation: String, Sendable, CaseIterable {
    case mean, min, max, sum, count, last
}

/// A series as storage knows it.
public struct StoredSeries: Sendable, Equatable {
    public var id: Int64
    public var metric: String
    /// Sorted by key; includes `host`.
    public var labels: [Label]

    public struct Label: Sendable, Equatable, Hashable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) { self.key = key; self.value = value }
    }

    public init(id: Int64, metric: String, labels: [Label]) {
        self.id = id
        self.metric = metric
        self.labels = labels
    }

    public func label(_ key: String) -> String? { labels.first(where: { $0.key == key })?.value }
}

/// One step of a range query: the step's start time and its aggregated value.
public struct RangeSample: Sendable, Equatable {
    public var timestamp: Int64
    public var value: Double
    public init(timestamp: Int64, value: Double) { self.timestamp = timestamp; self.value = value }
}

/// What a range query returned, and from which tier.
public struct RangeResult: Sendable, Equatable {
    public var tier: StorageTier
    public var samples: [RangeSample]
}

/// The latest raw value of one series.
public struct LatestValue: Sendable, Equatable {
    public var series: StoredSeries
    public var timestamp: Int64
    public var value: Double
}

/// One host as the store knows it (`Storage.hosts()`): the dashboard's host list.
public struct HostSummary: Sendable, Equatable {
    public var host: String
    /// Series whose `host` label is this host.
    public var seriesCount: Int
    /// Newest raw point of any of those series; nil when no raw point is left.
    public var lastSeen: Int64?

    public init(host: String, seriesCount: Int, lastSeen: Int64?) {
        self.host = host
        self.seriesCount = seriesCount
        self.lastSeen = lastSeen
    }
}

/// One bucket of a roll-up tier (for inspection and tests).
public struct RollupBucket: Sendable, Equatable {
    public var start: Int64
    public var min: Double
    public var max: Double
    public var sum: Double
    public var count: Int64
    public var last: Double
    public var mean: Double { count == 0 ? .nan : sum / Double(count) }
}
