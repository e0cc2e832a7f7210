import PluginKit

/// Something that turns a metric name and labels into a host series id.
/// `PluginHost` is one; tests substitute a recorder.
protocol SeriesRegistry {
    func registerSeries(_ name: String, labels: [(String, String)]) -> UInt64?
}

/// What the collector's sources need from the host: series registration and logging.
protocol CollectorHost: SeriesRegistry {
    func log(_ level: PluginHost.LogLevel, _ message: String, _ fields: [(String, String)])
}

extension PluginHost: CollectorHost {}

/// A closed set of metric names that share one label set (e.g. all `net.*` metrics of
/// one interface). The raw values index the cache's id slots, so they must be 0..<count.
protocol MetricFamily: CaseIterable, RawRepresentable where RawValue == Int {
    /// The dot-separated metric name, e.g. "net.rx_bytes".
    var name: String { get }
}

/// The points of one round being assembled: the shared timestamp, the reused writer,
/// and the host that registers series on first use and takes log lines.
struct RoundOutput {
    var now: Int64 = 0
    var writer = PointWriter(capacity: 512)
    let host: any CollectorHost

    init(host: any CollectorHost) { self.host = host }
}

/// Registered series ids (name + labels → id) for one metric family, per entity
/// (a core, an interface, a mount, a process...).
///
/// Series are registered lazily, the first time a point for them is appended, so a
/// metric that is never produced for an entity never becomes a series. A refused
/// registration (bad label, the host's series limit) is remembered, so the host is not
/// asked again every round; its points are dropped (the host logged why).
///
/// Entities not used for more than `idleRounds` rounds (default 10) are forgotten, which
/// bounds the cache for entities that churn (processes, hot-plugged devices) while a
/// core or disk that misses a round or two keeps its ids. Forgetting only costs a
/// re-registration, which the host resolves to the same id.
struct SeriesCache<Entity: Hashable, Metric: MetricFamily> {
    // Flat arrays plus a read-only index rather than a dictionary of structs: mutating
    // a dictionary value in place goes through a `_modify` coroutine whose frame is
    // heap-allocated, which made every appended point cost two mallocs.
    private var index: [Entity: Int] = [:]
    private var entities: [Entity] = []
    private var lastRound: [UInt64] = []
    /// `metricCount` ids per entity: `unregistered`, 0 (refused) or the id.
    private var ids: [UInt64] = []
    private var round: UInt64 = 0
    private let idleRounds: UInt64
    private let metricCount = Metric.allCases.count
    private static var unregistered: UInt64 { .max }

    init(idleRounds: UInt64 = 10) { self.idleRounds = idleRounds }

    /// Number of entities remembered.
    var count: Int { entities.count }

    /// Appends a point for `metric` of `entity`, registering the series if needed.
    /// `labels` is only evaluated on registration.
    mutating func append(_ entity: Entity, _ metric: Metric, _ value: Double,
                         labels: () -> [(String, String)], to out: inout RoundOutput) {
        let e: Int
        if let known = index[entity] {
            e = known
        } else {
            e = entities.count
            index[entity] = e
            entities.append(entity)
            lastRound.append(round)
            ids.append(contentsOf: repeatElement(Self.unregistered, count: metricCount))
        }
        lastRound[e] = round
        let slot = e * metricCount + metric.rawValue
        if ids[slot] == Self.unregistered {
            ids[slot] = out.host.registerSeries(metric.name, labels: labels()) ?? 0
        }
        let id = ids[slot]
        guard id != 0 else { return }
        out.writer.append(series: id, value: value, timestampNanoseconds: out.now)
    }

    /// Ends a round: forgets entities idle for more than `idleRounds` rounds.
    mutating func endRound() {
        let current = round
        round += 1
        let limit = idleRounds
        guard lastRound.contains(where: { current - $0 > limit }) else { return }
        var kept = 0
        for e in entities.indices where current - lastRound[e] <= limit {
            entities[kept] = entities[e]
            lastRound[kept] = lastRound[e]
            for m in 0..<metricCount { ids[kept * metricCount + m] = ids[e * metricCount + m] }
            kept += 1
        }
        entities.removeSubrange(kept...)
        lastRound.removeSubrange(kept...)
        ids.removeSubrange((kept * metricCount)...)
        index.removeAll(keepingCapacity: true)
        for (e, entity) in entities.enumerated() { index[entity] = e }
    }
}
