import Host
import Hummingbird

/// `/metrics`: nazard's own metrics in the Prometheus text format, read live from the
/// daemon (the same quantities the `nazar.*` self-metric points carry) plus the HTTP
/// server's requests, latency and ingest counters. Read scope (a local scrape needs no
/// key with `auth = "localhost_open"`).
enum MetricsRoutes {
    static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        router.get("/metrics") { _, context in
            try context.require(.read)
            let text = render(api)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    static func render(_ api: APIContext) -> String {
        var p = PrometheusText()
        let daemon = api.daemon
        p.family("nazar_bus_series", "gauge", "Series interned on the bus.")
        p.sample("nazar_bus_series", [], Double(daemon.bus.registry.count))
        if let broker = daemon.bus as? RabbitMQBus {
            for (dotted, value) in broker.selfMetrics {
                let gauge = dotted.hasSuffix("connected") || dotted.hasSuffix("spool_bytes")
                let name = PrometheusText.name(dotted) + (gauge ? "" : "_total")
                p.family(name, gauge ? "gauge" : "counter", "RabbitMQ bus: \(dotted).")
                p.sample(name, [], value)
            }
        }

        let statuses = daemon.instanceStatuses
        let instances = statuses.compactMap { daemon.instance(named: $0.name) }
        func perInstance(_ name: String, _ type: String, _ help: String, _ value: (PluginInstance) -> Double?) {
            let rows = instances.compactMap { i in value(i).map { (i, $0) } }
            guard !rows.isEmpty else { return }
            p.family(name, type, help)
            for (i, v) in rows { p.sample(name, [("instance", i.name), ("plugin", i.descriptor.name)], v) }
        }
        perInstance("nazar_instance_points_published_total", "counter", "Points an instance published.") {
            Double($0.stats.pointsPublished.load(ordering: .relaxed))
        }
        perInstance("nazar_instance_publish_dropped_total", "counter", "Points an instance published that the bus dropped.") {
            Double($0.stats.publishDropped.load(ordering: .relaxed))
        }
        perInstance("nazar_instance_points_delivered_total", "counter", "Points delivered to a detector.") {
            $0.descriptor.kind == .detector ? Double($0.stats.pointsDelivered.load(ordering: .relaxed)) : nil
        }
        perInstance("nazar_instance_points_dropped_total", "counter", "Points dropped from a detector's full queue.") {
            $0.queueCounters.map { Double($0.dropped) }
        }
        perInstance("nazar_instance_queue_depth", "gauge", "Points waiting in a detector's queue.") {
            $0.queueCounters.map { Double($0.depth) }
        }
        perInstance("nazar_instance_alerts_delivered_total", "counter", "Alerts a notifier delivered.") {
            $0.descriptor.kind == .notifier ? Double($0.stats.alertsDelivered.load(ordering: .relaxed)) : nil
        }
        perInstance("nazar_instance_calls_total", "counter", "Calls into the plugin.") { Double($0.stats.calls.load(ordering: .relaxed)) }
        perInstance("nazar_instance_call_errors_total", "counter", "Plugin calls that returned an error.") {
            Double($0.stats.callErrors.load(ordering: .relaxed))
        }
        perInstance("nazar_instance_call_seconds_total", "counter", "Time spent in plugin calls.") {
            Double($0.stats.callNanosecondsTotal.load(ordering: .relaxed)) / 1e9
        }
        p.family("nazar_instance_up", "gauge", "1 for each configured instance in the given state.")
        for s in statuses {
            let state = s.state.hasPrefix("failed") ? "failed" : s.state
            p.sample("nazar_instance_up", [("instance", s.name), ("plugin", s.plugin), ("state", state)], state == "running" ? 1 : 0)
        }

        if let writer = daemon.storageWriter {
            let c = writer.counters
            let backend = [("backend", writer.storage.backendName)]
            let counters: [(String, UInt64, String)] = [
                ("points_written", c.pointsWritten, "Points written to storage."),
                ("points_lost", c.pointsLost, "Points the storage writer lost."),
                ("non_finite_skipped", c.nonFiniteSkipped, "NaN or infinite points not stored."),
                ("alerts_written", c.alertsWritten, "Alerts written to the history."),
                ("write_failures", c.writeFailures, "Failed storage writes (retried)."),
                ("transactions", c.transactions, "Committed point transactions (points_written / transactions = points per transaction)."),
                ("buffer_full_waits", c.bufferFullWaits, "Times the writer's buffer was full."),
            ]
            for (name, value, help) in counters {
                p.family("nazar_storage_\(name)_total", "counter", help)
                p.sample("nazar_storage_\(name)_total", backend, Double(value))
            }
            p.family("nazar_storage_buffered_points", "gauge", "Points waiting for the database.")
            p.sample("nazar_storage_buffered_points", backend, Double(c.buffered))
            p.family("nazar_storage_connected", "gauge", "1 while the database is reachable.")
            p.sample("nazar_storage_connected", backend, c.connected ? 1 : 0)
        }

        p.family("nazar_alerts_firing", "gauge", "Alerts firing now.")
        p.sample("nazar_alerts_firing", [], Double(api.alerts.firing().count))

        let m = api.metrics.snapshot
        p.family("nazar_http_requests_total", "counter", "HTTP requests by method, route and status.")
        for (k, v) in m.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            p.sample("nazar_http_requests_total", [("method", k.method), ("route", k.route), ("status", String(k.status))], Double(v))
        }
        p.family("nazar_http_request_duration_seconds", "histogram", "HTTP request latency by method and route.")
        for (k, l) in m.latency.sorted(by: { ($0.key.route, $0.key.method) < ($1.key.route, $1.key.method) }) {
            let labels = [("method", k.method), ("route", k.route)]
            var cumulative: UInt64 = 0
            for (i, bound) in HTTPMetrics.latencyBuckets.enumerated() {
                cumulative += l.buckets[i]
                p.sample("nazar_http_request_duration_seconds_bucket", labels + [("le", PrometheusText.format(bound))], Double(cumulative))
            }
            p.sample("nazar_http_request_duration_seconds_bucket", labels + [("le", "+Inf")], Double(l.count))
            p.sample("nazar_http_request_duration_seconds_sum", labels, l.sum)
            p.sample("nazar_http_request_duration_seconds_count", labels, Double(l.count))
        }
        p.family("nazar_ingest_points_accepted_total", "counter", "Points accepted by HTTP ingest.")
        p.sample("nazar_ingest_points_accepted_total", [], Double(m.pointsAccepted))
        p.family("nazar_ingest_points_refused_total", "counter", "Points refused by HTTP ingest (bad input, host restriction, rate limit).")
        p.sample("nazar_ingest_points_refused_total", [], Double(m.pointsRefused))
        p.family("nazar_ingest_body_bytes_total", "counter", "Decoded ingest body bytes.")
        p.sample("nazar_ingest_body_bytes_total", [], Double(m.bodyBytes))
        p.family("nazar_http_rate_limited_total", "counter", "Requests answered 429.")
        p.sample("nazar_http_rate_limited_total", [], Double(m.rateLimited))
        p.family("nazar_http_auth_refused_total", "counter", "Requests answered 401 or 403.")
        p.sample("nazar_http_auth_refused_total", [], Double(m.authRefused))
        p.stream(api.stream.counters)
        return p.text
    }
}
