import Host
import Hummingbird

/// The read API over storage: series, range queries, latest values, hosts, plugins.
/// Read scope; JSON written with `JSONWriter` (these answers can hold many points).
enum ReadRoutes {
    /// Most series one query or series listing answers with.
    static let seriesLimit = 1_000
    /// Most steps one series' range may have.
    static let maxSteps = 11_000

    static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        router.get("/api/v1/series") { request, context in
            try context.require(.read)
            let matchers = try matchers(request)
            let series = try await api.withStorage { s throws(StorageError) in try s.series(matching: matchers) }
            return jsonResponse(.ok) { w in
                w.objectStart()
                w.key("series"); w.arrayStart()
                for s in series.prefix(seriesLimit) { w.objectStart(); w.seriesMembers(s); w.objectEnd() }
                w.arrayEnd()
                w.key("truncated"); w.bool(series.count > seriesLimit)
                w.objectEnd()
            }
        }

        router.get("/api/v1/query") { request, context in
            try context.require(.read)
            let now = wallClockNanoseconds()
            let to = try request.query("to").map { v throws(APIError) in try RequestTime.parse(v, now: now, field: "to") } ?? now
            let from = try request.query("from").map { v throws(APIError) in try RequestTime.parse(v, now: now, field: "from") }
                ?? (to - 3_600_000_000_000)
            guard from < to else { throw APIError.badRequest("from must be before to") }
            let step = try request.query("step").map { v throws(APIError) in try RequestTime.duration(v, field: "step") }
                ?? max(1_000_000_000, (to - from) / 300)
            guard (to - from) / step <= Int64(maxSteps) else {
                throw APIError.badRequest("\((to - from) / step) steps; at most \(maxSteps) (use a larger step)")
            }
            let aggText = request.query("agg") ?? "mean"
            guard let agg = StorageAggregation(rawValue: aggText) else {
                throw APIError.badRequest("agg='\(aggText)' is not one of \(StorageAggregation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let tierText = request.query("tier") ?? "auto"
            let tier: StorageTier?
            if tierText == "auto" {
                tier = nil
            } else if let t = StorageTier(rawValue: tierText) {
                tier = t
            } else {
                throw APIError.badRequest("tier='\(tierText)' is not one of auto, \(StorageTier.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let selected: [StoredSeries]
            if let idText = request.query("series") {
                guard let id = Int64(idText) else { throw APIError.badRequest("series='\(idText)' is not a series id") }
                let found = try await api.withStorage { s throws(StorageError) in try s.series(id: id) }
                guard let one = found else { throw APIError.notFound("no series with id \(id)") }
                selected = [one]
            } else if request.query("match") != nil {
                let m = try matchers(request)
                selected = try await api.withStorage { s throws(StorageError) in try s.series(matching: m) }
            } else {
                throw APIError.badRequest("give series=ID or match={…}")
            }
            guard selected.count <= seriesLimit else {
                throw APIError.badRequest("\(selected.count) series match; at most \(seriesLimit) per query (narrow match)")
            }
            let results = try await api.withStorage { s throws(StorageError) in
                try selected.map { series throws(StorageError) in
                    (series, try s.range(series: series.id, from: from, to: to, step: step, aggregation: agg, tier: tier, now: now))
                }
            }
            return jsonResponse(.ok) { w in
                w.objectStart()
                w.key("from"); w.int(from)
                w.key("to"); w.int(to)
                w.key("step"); w.int(step)
                w.key("agg"); w.string(agg.rawValue)
                w.key("series"); w.arrayStart()
                for (series, range) in results {
                    w.objectStart()
                    w.seriesMembers(series)
                    w.key("tier"); w.string(range.tier.rawValue)
                    w.key("points"); w.arrayStart()
                    for sample in range.samples {
                        w.arrayStart(); w.int(sample.timestamp); w.double(sample.value); w.arrayEnd()
                    }
                    w.arrayEnd()
                    w.objectEnd()
                }
                w.arrayEnd()
                w.objectEnd()
            }
        }

        router.get("/api/v1/latest") { request, context in
            try context.require(.read)
            let host = request.query("host") ?? api.daemon.config.hostname
            let values = try await api.withStorage { s throws(StorageError) in try s.latest(host: host) }
            return jsonResponse(.ok) { w in
                w.objectStart()
                w.key("host"); w.string(host)
                w.key("values"); w.arrayStart()
                for v in values {
                    w.objectStart()
                    w.seriesMembers(v.series)
                    w.key("timestamp"); w.int(v.timestamp)
                    w.key("value"); w.double(v.value)
                    w.objectEnd()
                }
                w.arrayEnd()
                w.objectEnd()
            }
        }

        router.get("/api/v1/hosts") { _, context in
            try context.require(.read)
            let hosts = try await api.withStorage { s throws(StorageError) in try s.hosts() }
            var firing: [String: Int] = [:]
            for alert in api.alerts.firing() {
                if let h = alert.labels.first(where: { $0.0 == "host" })?.1 { firing[h, default: 0] += 1 }
            }
            return jsonResponse(.ok) { w in
                w.objectStart()
                w.key("hosts"); w.arrayStart()
                for h in hosts {
                    w.objectStart()
                    w.key("host"); w.string(h.host)
                    w.key("last_seen"); if let lastSeen = h.lastSeen { w.int(lastSeen) } else { w.null() }
                    w.key("series"); w.int(h.seriesCount)
                    w.key("firing_alerts"); w.int(firing[h.host] ?? 0)
                    w.objectEnd()
                }
                w.arrayEnd()
                w.objectEnd()
            }
        }

        router.get("/api/v1/plugins") { _, context in
            try context.require(.read)
            let instances = api.daemon.instanceStatuses
            return jsonResponse(.ok) { w in
                w.objectStart()
                w.key("instances"); w.arrayStart()
                for i in instances {
                    w.objectStart()
                    w.key("name"); w.string(i.name)
                    w.key("plugin"); w.string(i.plugin)
                    w.key("kind"); w.string(i.kind)
                    w.key("state"); w.string(i.state)
                    w.key("points_published"); w.int(Int64(clamping: i.pointsPublished))
                    w.key("points_delivered"); w.int(Int64(clamping: i.pointsDelivered))
                    w.key("dropped"); w.int(Int64(clamping: i.dropped))
                    w.objectEnd()
                }
                w.arrayEnd()
                w.objectEnd()
            }
        }
    }

    /// `match={…}` parsed as label matchers (`__name__` is the metric); none → every series.
    static func matchers(_ request: Request) throws(APIError) -> [LabelMatcher] {
        guard let text = request.query("match") else { return [] }
        do {
            return try LabelMatcher.parseList(text)
        } catch {
            throw APIError.badRequest("match: \(error)")
        }
    }
}
