extension SQLStore {
    func series(matching matchers: [LabelMatcher]) throws(StorageError) -> [StoredSeries] {
        var sql = "SELECT id, metric, labels FROM series WHERE 1 = 1"
        var parameters: [SQLValue] = []
        let regexes = try appendMatchers(matchers, labelsColumn: "labels", metricColumn: "metric", hostColumn: "host",
                                         to: &sql, parameters: &parameters)
        sql += " ORDER BY metric, label_key"
        return try locked { () throws(StorageError) in
            var out: [StoredSeries] = []
            for row in try driver.query(sql, parameters, operation: "list series") {
                let series = StoredSeries(id: row[0].int ?? 0, metric: row[1].text,
                                          labels: try LabelText.parse(row[2].text, context: "list series"))
                if regexes.allSatisfy({ $0.matches(metric: series.metric, labels: series.labels) }) { out.append(series) }
            }
            return out
        }
    }

    func series(id: Int64) throws(StorageError) -> StoredSeries? {
        try locked { () throws(StorageError) in
            guard let row = try driver.query("SELECT id, metric, labels FROM series WHERE id = $1", [.int(id)],
                                             operation: "look up series \(id)").first else { return nil }
            return StoredSeries(id: row[0].int ?? id, metric: row[1].text,
                                labels: try LabelText.parse(row[2].text, context: "series \(id)"))
        }
    }

    func hosts() throws(StorageError) -> [HostSummary] {
        // The newest point of a series is one backward probe of the points primary key
        // (series_id, ts) — per day partition on PostgreSQL's native layout. The derived
        // table keeps the subquery out of the aggregate, which both dialects accept.
        let sql = """
            SELECT host, count(*), max(last_ts) FROM (
              SELECT s.host AS host, (SELECT max(p.ts) FROM points p WHERE p.series_id = s.id) AS last_ts
              FROM series s WHERE s.host <> '') per_series
            GROUP BY host
            """
        let hosts = try locked { () throws(StorageError) in
            try driver.query(sql, [], operation: "list hosts").map { row in
                HostSummary(host: row[0].text, seriesCount: Int(row[1].int ?? 0), lastSeen: row[2].int)
            }
        }
        // Byte order whatever the database's collation, as `series(matching:)` compares.
        return hosts.sorted { $0.host.utf8.lexicographicallyPrecedes($1.host.utf8) }
    }

    func range(series: Int64, from: Int64, to: Int64, step: Int64, aggregation: StorageAggregation,
               tier requested: StorageTier?, now: Int64) throws(StorageError) -> RangeResult {
        guard step > 0 else { throw .invalidArgument(field: "step", reason: "must be positive, got \(step)") }
        guard to > from else { throw .invalidArgument(field: "range", reason: "end \(to) is not after start \(from)") }
        guard (to - from) / step <= 1_000_000 else {
            throw .invalidArgument(field: "step", reason: "\((to - from) / step) steps in the range, more than 1000000")
        }
        let tier = requested ?? StorageTierChoice.pick(from: from, step: step, now: now, retention: retention)
        var start = from
        var width = step
        if tier != .raw {
            // Buckets of a roll-up cannot be split: align the steps on them.
            let r = tier.resolution
            start = floorDiv(from, r) * r
            width = max(r, (step + r - 1) / r * r)
        }
        let rows = try locked { () throws(StorageError) in
            guard tier != .raw else {
                return try driver.query(rangeSQL(tier: .raw, aggregation: aggregation), [.int(series), .int(start), .int(to), .int(width)],
                                        operation: "range query on points")
            }
            // Steps the roll-up does not wholly cover yet (the last minutes or hours) are
            // computed from raw points, so a dashboard's right edge is never empty.
            let done = doneUntil[tier] ?? 0
            let cut = min(to, max(start, start + floorDiv(done - start, width) * width))
            var out: [[SQLValue]] = []
            if cut > start {
                out = try driver.query(rangeSQL(tier: tier, aggregation: aggregation), [.int(series), .int(start), .int(cut), .int(width)],
                                       operation: "range query on \(tier.table)")
            }
            if cut < to {
                // Same step grid: bucket = start + k * width, from `cut` on.
                out += try driver.query(rangeSQL(tier: .raw, aggregation: aggregation), [.int(series), .int(cut), .int(to), .int(width)],
                                        operation: "range query on points (not yet rolled up)")
            }
            return out
        }
        return RangeResult(tier: tier, samples: rows.map { RangeSample(timestamp: $0[0].int ?? 0, value: $0[1].double) })
    }

    /// `$1` series, `$2` start, `$3` end, `$4` step width.
    private func rangeSQL(tier: StorageTier, aggregation: StorageAggregation) -> String {
        let time = tier == .raw ? "ts" : "bucket"
        let bucket = "($2 + (\(time) - $2) / $4 * $4)"
        let filter = "series_id = $1 AND \(time) >= $2 AND \(time) < $3"
        if aggregation == .last {
            // The row holding the latest time of each step.
            let column = tier == .raw ? "value" : "last"
            return """
                SELECT g.t, p.\(column) FROM (SELECT \(bucket) AS t, max(\(time)) AS lt FROM \(tier.table) WHERE \(filter) GROUP BY 1) g
                JOIN \(tier.table) p ON p.series_id = $1 AND p.\(time) = g.lt ORDER BY g.t
                """
        }
        let expr: String
        if tier == .raw {
            switch aggregation {
            case .mean: expr = "avg(value)"
            case .min: expr = "min(value)"
            case .max: expr = "max(value)"
            case .sum: expr = "sum(value)"
            case .count: expr = "count(*)"
            case .last: expr = ""
            }
        } else {
            switch aggregation {
            case .mean: expr = "sum(sum) / sum(count)"
            case .min: expr = "min(min)"
            case .max: expr = "max(max)"
            case .sum: expr = "sum(sum)"
            case .count: expr = "sum(count)"
            case .last: expr = ""
            }
        }
        return "SELECT \(bucket) AS t, \(expr) FROM \(tier.table) WHERE \(filter) GROUP BY 1 ORDER BY 1"
    }

    func latest(host: String) throws(StorageError) -> [LatestValue] {
        let sql = """
            SELECT s.id, s.metric, s.labels, p.ts, p.value FROM series s
            JOIN points p ON p.series_id = s.id AND p.ts = (SELECT max(ts) FROM points WHERE series_id = s.id)
            WHERE s.host = $1 ORDER BY s.metric, s.label_key
            """
        return try locked { () throws(StorageError) in
            var out: [LatestValue] = []
            for row in try driver.query(sql, [.text(host)], operation: "latest values of host \(host)") {
                let s = StoredSeries(id: row[0].int ?? 0, metric: row[1].text,
                                     labels: try LabelText.parse(row[2].text, context: "latest values"))
                out.append(LatestValue(series: s, timestamp: row[3].int ?? 0, value: row[4].double))
            }
            return out
        }
    }

    func buckets(series: Int64, tier: StorageTier, from: Int64, to: Int64) throws(StorageError) -> [RollupBucket] {
        guard tier != .raw else { throw .invalidArgument(field: "tier", reason: "raw has no buckets") }
        let sql = "SELECT bucket, min, max, sum, count, last FROM \(tier.table) WHERE series_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket"
        return try locked { () throws(StorageError) in
            try driver.query(sql, [.int(series), .int(from), .int(to)], operation: "read \(tier.table)").map {
                RollupBucket(start: $0[0].int ?? 0, min: $0[1].double, max: $0[2].double, sum: $0[3].double,
                             count: $0[4].int ?? 0, last: $0[5].double)
            }
        }
    }
}
