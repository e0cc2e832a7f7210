extension SQLStore {
    /// Rolls up closed buckets then prunes every tier. Each step is its own transaction,
    /// so a failure leaves earlier steps done and the next run resumes from the stored state.
    func maintain(now: Int64) throws(StorageError) {
        try locked { () throws(StorageError) in
            try rollUpLocked(.minute, now: now)
            try rollUpLocked(.hour, now: now)
            try pruneLocked(now: now)
        }
    }

    /// Lock held. Computes `tier` from the tier below for buckets in
    /// [min(done, dirty), closed), where `closed` is the start of the bucket containing
    /// `now` (for 1h: the minute tier's progress) — the source's retention bounds the start.
    private func rollUpLocked(_ tier: StorageTier, now: Int64) throws(StorageError) {
        let r = tier.resolution
        let source: StorageTier = tier == .minute ? .raw : .minute
        let state = try driver.query("SELECT done_until, dirty_from FROM rollup_state WHERE tier = $1",
                                     [.text(tier.rawValue)], operation: "read roll-up state")
        let done = state.first?[0].int ?? 0
        let dirty = state.first?[1].int
        let limit = tier == .minute ? now : (doneUntil[.minute] ?? 0)
        let closed = floorDiv(limit, r) * r
        let oldestKept = floorDiv(now - retention.of(source).nanoseconds, r) * r
        let start = max(min(done, dirty ?? done), oldestKept)
        guard closed > start else { return }

        let time = source == .raw ? "ts" : "bucket"
        let aggregates = source == .raw
            ? "min(value) AS mn, max(value) AS mx, sum(value) AS sm, count(*) AS n, max(ts) AS lt"
            : "min(min) AS mn, max(max) AS mx, sum(sum) AS sm, sum(count) AS n, max(bucket) AS lt"
        let lastColumn = source == .raw ? "value" : "last"
        let perSeries = driver.dialect.scanPerSeries
        let seriesFilter = perSeries ? "series_id = $3 AND " : ""
        let sql = """
            INSERT INTO \(tier.table) (series_id, bucket, min, max, sum, count, last)
            SELECT g.series_id, g.b, g.mn, g.mx, g.sm, g.n, p.\(lastColumn) FROM
              (SELECT series_id, \(time) / \(r) * \(r) AS b, \(aggregates) FROM \(source.table)
               WHERE \(seriesFilter)\(time) >= $1 AND \(time) < $2 GROUP BY series_id, \(time) / \(r) * \(r)) g
            JOIN \(source.table) p ON p.series_id = g.series_id AND p.\(time) = g.lt
            WHERE 1 = 1
            ON CONFLICT (series_id, bucket) DO UPDATE SET min = excluded.min, max = excluded.max,
              sum = excluded.sum, count = excluded.count, last = excluded.last
            """
        try transaction("roll up \(tier.table)") { () throws(StorageError) in
            let op = "roll up \(source.table) into \(tier.table)"
            if perSeries {
                for id in try allSeriesIDsLocked() {
                    try driver.query(sql, [.int(start), .int(closed), .int(id)], operation: op)
                }
            } else {
                try driver.query(sql, [.int(start), .int(closed)], operation: op)
            }
            try driver.query("""
                INSERT INTO rollup_state (tier, done_until, dirty_from) VALUES ($1, $2, NULL)
                ON CONFLICT (tier) DO UPDATE SET done_until = excluded.done_until, dirty_from = NULL
                """, [.text(tier.rawValue), .int(closed)], operation: op)
            if tier == .minute && start < done {
                // Recomputed minutes change their hours too.
                let hour = floorDiv(start, StorageTier.hour.resolution) * StorageTier.hour.resolution
                try driver.query("UPDATE rollup_state SET dirty_from = $2 WHERE tier = $1 AND (dirty_from IS NULL OR dirty_from > $2)",
                                 [.text(StorageTier.hour.rawValue), .int(hour)], operation: op)
            }
        }
        doneUntil[tier] = closed
    }

    /// Lock held.
    func allSeriesIDsLocked() throws(StorageError) -> [Int64] {
        try driver.query("SELECT id FROM series ORDER BY id", [], operation: "list series ids").compactMap { $0[0].int }
    }

    /// Lock held. Deletes what each tier's retention no longer covers.
    private func pruneLocked(now: Int64) throws(StorageError) {
        let ids = driver.dialect.scanPerSeries ? try allSeriesIDsLocked() : []
        try transaction("prune raw points") { () throws(StorageError) in
            try driver.pruneRaw(before: now - retention.raw.nanoseconds, seriesIDs: ids)
        }
        for tier in [StorageTier.minute, .hour] {
            let cutoff = now - retention.of(tier).nanoseconds
            try transaction("prune \(tier.table)") { () throws(StorageError) in
                let op = "prune \(tier.table)"
                if driver.dialect.scanPerSeries {
                    for id in ids {
                        try driver.query("DELETE FROM \(tier.table) WHERE series_id = $1 AND bucket < $2", [.int(id), .int(cutoff)], operation: op)
                    }
                } else {
                    try driver.query("DELETE FROM \(tier.table) WHERE bucket < $1", [.int(cutoff)], operation: op)
                }
            }
        }
    }
}
