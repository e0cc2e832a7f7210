/// Publishes the daemon's own counters as ordinary points on the bus (so they can be
/// stored, charted and alerted on like any metric): per instance points published,
/// delivered and dropped, queue depth, calls, errors and call latency; the storage
/// writer's counters.
final class SelfMetricsPublisher: @unchecked Sendable {
    private let bus: any Bus
    private let lock = ConditionLock()
    private var seriesIDs: [String: UInt64] = [:]
    private var scratch: [BusPoint] = []

    init(bus: any Bus) { self.bus = bus }

    private func series(_ metric: String, _ instance: PluginInstance) -> UInt64? {
        let key = "\(metric)\u{0}\(instance.name)"
        if let id = seriesIDs[key] { return id }
        let id = try? bus.registry.intern(name: metric, labels: [("instance", instance.name), ("plugin", instance.descriptor.name)])
        if let id { seriesIDs[key] = id }
        return id
    }

    /// `storage`: the storage writer's counters and backend name, when it runs.
    /// `alerting`: the alert manager, when notifiers run (its counters and outbox depth).
    func publish(_ instances: [PluginInstance], storage: (counters: StorageWriter.Counters, backend: String)? = nil,
                 alerting: AlertManager? = nil) {
        // Per notifier; a store that cannot answer just leaves the depth out this time.
        let outboxDepth = alerting.flatMap { try? $0.outbox.undeliveredCounts() } ?? [:]
        lock.withLock {
            let now = wallClockNanoseconds()
            scratch.removeAll(keepingCapacity: true)
            func add(_ metric: String, _ instance: PluginInstance, _ value: Double) {
                if let id = series(metric, instance) { scratch.append(BusPoint(series: id, timestamp: now, value: value)) }
            }
            for i in instances {
                let s = i.stats
                add("nazar.instance.points_published", i, Double(s.pointsPublished.load(ordering: .relaxed)))
                add("nazar.instance.publish_dropped", i, Double(s.publishDropped.load(ordering: .relaxed)))
                add("nazar.instance.calls", i, Double(s.calls.load(ordering: .relaxed)))
                add("nazar.instance.call_errors", i, Double(s.callErrors.load(ordering: .relaxed)))
                if i.config.isolation == .process {
                    add("nazar.instance.restarts", i, Double(s.restarts.load(ordering: .relaxed)))
                    add("nazar.instance.crash_lost_points", i, Double(s.pointsLostInCrashes.load(ordering: .relaxed)))
                }
                let latency = s.takeLatency()
                add("nazar.instance.call_latency_mean_seconds", i, latency.mean / 1e9)
                add("nazar.instance.call_latency_max_seconds", i, Double(latency.max) / 1e9)
                switch i.descriptor.kind {
                case .detector:
                    add("nazar.instance.points_delivered", i, Double(s.pointsDelivered.load(ordering: .relaxed)))
                    if let q = i.queueCounters {
                        add("nazar.instance.points_dropped", i, Double(q.dropped))
                        add("nazar.instance.queue_depth", i, Double(q.depth))
                    }
                case .notifier:
                    add("nazar.instance.alerts_delivered", i, Double(s.alertsDelivered.load(ordering: .relaxed)))
                    if let depth = outboxDepth[i.name] { add("nazar.instance.queue_depth", i, Double(depth)) }
                case .collector:
                    break
                }
            }
            if let (c, backend) = storage {
                let values: [(String, Double)] = [
                    ("points_written", Double(c.pointsWritten)), ("points_lost", Double(c.pointsLost)),
                    ("non_finite_skipped", Double(c.nonFiniteSkipped)), ("duplicates_ignored", Double(c.duplicatesIgnored)),
                    ("alerts_written", Double(c.alertsWritten)), ("transactions", Double(c.transactions)),
                    ("write_failures", Double(c.writeFailures)), ("buffered_points", Double(c.buffered)),
                    ("buffer_full_waits", Double(c.bufferFullWaits)), ("connected", c.connected ? 1 : 0),
                ]
                for (name, value) in values {
                    let key = "nazar.storage.\(name)"
                    var id = seriesIDs[key]
                    if id == nil { id = try? bus.registry.intern(name: key, labels: [("backend", backend)]) }
                    if let id {
                        seriesIDs[key] = id
                        scratch.append(BusPoint(series: id, timestamp: now, value: value))
                    }
                }
            }
            if let alerting {
                let c = alerting.counters
                let values: [(String, UInt64)] = [
                    ("received", c.received.load(ordering: .relaxed)), ("enqueued", c.enqueued.load(ordering: .relaxed)),
                    ("delivered", c.delivered.load(ordering: .relaxed)), ("retries", c.retries.load(ordering: .relaxed)),
                    ("notify_failed", c.notifyFailed.load(ordering: .relaxed)), ("silenced", c.silenced.load(ordering: .relaxed)),
                    ("outbox_write_failures", c.enqueueFailures.load(ordering: .relaxed)),
                    ("outbox_depth", UInt64(outboxDepth.values.reduce(0, +))),
                    ("bus_dropped", alerting.droppedFromBus),
                ]
                for (name, value) in values {
                    let key = "nazar.alerting.\(name)"
                    var id = seriesIDs[key]
                    if id == nil { id = try? bus.registry.intern(name: key, labels: []) }
                    if let id {
                        seriesIDs[key] = id
                        scratch.append(BusPoint(series: id, timestamp: now, value: Double(value)))
                    }
                }
            }
            if let id = try? bus.registry.intern(name: "nazar.bus.series", labels: []) {
                scratch.append(BusPoint(series: id, timestamp: now, value: Double(bus.registry.count)))
            }
            if let broker = bus as? RabbitMQBus {
                for (metric, value) in broker.selfMetrics {
                    if let id = try? bus.registry.intern(name: metric, labels: []) {
                        scratch.append(BusPoint(series: id, timestamp: now, value: value))
                    }
                }
            }
            _ = scratch.withUnsafeBufferPointer { bus.publish($0) }
        }
    }
}
