/// The in-process bus: topic routing with a per-series route cache, bounded queues per
/// subscriber, batched delivery.
///
/// Routing a point costs one array load under the bus lock (taken once per batch): the
/// set of subscriber queues for a series is computed the first time the series is seen
/// and again only after a subscription changes.
public final class EmbeddedBus: Bus, @unchecked Sendable {
    public let registry: SeriesRegistry
    public let settings: BusSettings

    private struct PointSubscriber {
        let name: String
        let patterns: [BindingPattern]
        let queue: PointQueue
    }

    private struct AlertSubscriber {
        let name: String
        let patterns: [BindingPattern]
        let queue: AlertQueue
    }

    private let lock = ConditionLock()
    private var pointSubscribers: [PointSubscriber] = []
    private var alertSubscribers: [AlertSubscriber] = []
    /// Route set index per series id; -1 = not computed under the current subscriptions.
    private var routeOfSeries: ContiguousArray<Int32> = []
    /// Distinct sets of destination queues; index 0 is always the empty set.
    private var routeSets: [[PointQueue]] = [[]]
    private var routeSetIndex: [[Int]: Int32] = [[]: 0]

    public init(settings: BusSettings, registry: SeriesRegistry) {
        self.settings = settings
        self.registry = registry
    }

    public func subscribePoints(name: String, patterns: [BindingPattern]) -> PointQueue {
        let queue = PointQueue(capacity: settings.queueCapacity, overflow: settings.overflow,
                               blockTimeout: settings.blockTimeout)
        lock.withLock {
            pointSubscribers.removeAll { $0.name == name }
            pointSubscribers.append(PointSubscriber(name: name, patterns: patterns, queue: queue))
            invalidateRoutes()
        }
        return queue
    }

    public func subscribeAlerts(name: String, patterns: [BindingPattern]) -> AlertQueue {
        let queue = AlertQueue(capacity: 10_000)
        lock.withLock {
            alertSubscribers.removeAll { $0.name == name }
            alertSubscribers.append(AlertSubscriber(name: name, patterns: patterns, queue: queue))
        }
        return queue
    }

    public func unsubscribe(name: String) {
        let closed: [PointQueue] = lock.withLock {
            let gone = pointSubscribers.filter { $0.name == name }.map(\.queue)
            pointSubscribers.removeAll { $0.name == name }
            alertSubscribers.removeAll { $0.name == name }
            invalidateRoutes()
            return gone
        }
        closed.forEach { $0.close() }
    }

    /// Lock held.
    private func invalidateRoutes() {
        for i in routeOfSeries.indices { routeOfSeries[i] = -1 }
        routeSets = [[]]
        routeSetIndex = [[]: 0]
    }

    /// Lock held. Matches a series' topic against every subscriber once.
    private func computeRoute(_ series: UInt64) -> Int32 {
        let topic = registry.topic(of: series)
        let words = topic.split(separator: ".", omittingEmptySubsequences: false)
        var members: [Int] = []
        for (i, s) in pointSubscribers.enumerated() where s.patterns.contains(where: { $0.matches(words: words) }) {
            members.append(i)
        }
        if let existing = routeSetIndex[members] { return existing }
        let index = Int32(routeSets.count)
        routeSets.append(members.map { pointSubscribers[$0].queue })
        routeSetIndex[members] = index
        return index
    }

    public func publish(_ points: UnsafeBufferPointer<BusPoint>) -> Int {
        guard let base = points.baseAddress, !points.isEmpty else { return 0 }
        // Resolve each point's route set under the lock; push outside it, because a push
        // may wait for a slow subscriber and must not stall routing for everyone else.
        var routes = ContiguousArray<Int32>(repeating: 0, count: points.count)
        var uniform: Int32 = -1
        var sets: [[PointQueue]] = []
        lock.withLock {
            let limit = Int(registry.idLimit)
            if routeOfSeries.count < limit {
                routeOfSeries.append(contentsOf: repeatElement(-1, count: limit - routeOfSeries.count))
            }
            var allSame = true
            for i in 0..<points.count {
                let s = Int(base[i].series)
                var r = routeOfSeries[s]
                if r < 0 {
                    r = computeRoute(UInt64(s))
                    routeOfSeries[s] = r
                }
                routes[i] = r
                allSame = allSame && r == routes[0]
            }
            if allSame { uniform = routes[0] }
            sets = routeSets
        }
        var dropped = 0
        if uniform >= 0 {
            for q in sets[Int(uniform)] { dropped += q.push(points) }
            return dropped
        }
        // Mixed batch: gather, per destination queue, the points routed to it, in publish
        // order (a subscriber in several route sets must still see one ordered stream).
        var used: [Int32] = []
        var local = [Int](repeating: 0, count: points.count)  // index into `used` per point
        for i in 0..<points.count {
            if let k = used.firstIndex(of: routes[i]) {
                local[i] = k
            } else {
                local[i] = used.count
                used.append(routes[i])
            }
        }
        var destinations: [(queue: PointQueue, member: [Bool])] = []
        for (k, r) in used.enumerated() {
            for q in sets[Int(r)] {
                if let j = destinations.firstIndex(where: { $0.queue === q }) {
                    destinations[j].member[k] = true
                } else {
                    var member = [Bool](repeating: false, count: used.count)
                    member[k] = true
                    destinations.append((q, member))
                }
            }
        }
        var gathered: [BusPoint] = []
        gathered.reserveCapacity(points.count)
        for (queue, member) in destinations {
            gathered.removeAll(keepingCapacity: true)
            for i in 0..<points.count where member[local[i]] { gathered.append(base[i]) }
            dropped += gathered.withUnsafeBufferPointer { queue.push($0) }
        }
        return dropped
    }

    @discardableResult
    public func publish(alert: AlertEvent) -> Int {
        let words = alert.topic.split(separator: ".", omittingEmptySubsequences: false)
        let targets: [AlertQueue] = lock.withLock {
            alertSubscribers.filter { $0.patterns.contains(where: { $0.matches(words: words) }) }.map(\.queue)
        }
        for q in targets { q.push(alert) }
        return targets.count
    }
}
