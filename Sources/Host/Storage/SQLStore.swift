/// The `Storage` both backends share: the SQL is common, the `SQLDriver` supplies the
/// connection, bulk point inserts, schema and raw-tier pruning.
///
/// Threading: every call takes one lock, so the writer thread, the maintenance job and
/// query callers are serialised on the single connection. A call made while
/// disconnected reconnects first; a broken connection surfaces as
/// `StorageError.unavailable` and the next call tries again.
final class SQLStore: Storage, @unchecked Sendable {
    let driver: any SQLDriver
    let retention: StorageRetention
    let lock = ConditionLock()

    /// Per tier: buckets before this are rolled up (persisted in `rollup_state`).
    var doneUntil: [StorageTier: Int64] = [:]

    var backendName: String { driver.backendName }

    init(driver: any SQLDriver, retention: StorageRetention) {
        self.driver = driver
        self.retention = retention
    }

    func open() throws(StorageError) {
        try locked { () throws(StorageError) in try connectLocked() }
    }

    func close() {
        lock.withLock { driver.disconnect() }
    }

    /// Lock held.
    func connectLocked() throws(StorageError) {
        if driver.isConnected { return }
        try driver.connect()
        doneUntil = [:]
        for row in try driver.query("SELECT tier, done_until FROM rollup_state", [], operation: "read roll-up state") {
            if let tier = StorageTier(rawValue: row[0].text), let done = row[1].int { doneUntil[tier] = done }
        }
    }

    /// Runs `body` under the lock with a connection, reconnecting first when needed.
    @discardableResult
    func locked<R>(_ body: () throws(StorageError) -> R) throws(StorageError) -> R {
        lock.lock()
        defer { lock.unlock() }
        try connectLocked()
        return try body()
    }

    /// Lock held. BEGIN … COMMIT around `body`; ROLLBACK when it throws.
    func transaction<R>(_ operation: String, _ body: () throws(StorageError) -> R) throws(StorageError) -> R {
        try driver.query("BEGIN", [], operation: operation)
        do {
            let result = try body()
            try driver.query("COMMIT", [], operation: operation)
            return result
        } catch {
            if driver.isConnected { _ = try? driver.query("ROLLBACK", [], operation: operation) }
            driver.transactionRolledBack()
            throw error
        }
    }

    // MARK: Points

    func seriesID(metric: String, labels: [StoredSeries.Label]) throws(StorageError) -> Int64 {
        let key = LabelText.canonicalKey(labels)
        let host = labels.first(where: { $0.key == "host" })?.value ?? ""
        return try locked { () throws(StorageError) in
            let op = "register series \(metric){\(key)}"
            let select = "SELECT id FROM series WHERE metric = $1 AND label_key = $2"
            if let id = try driver.query(select, [.text(metric), .text(key)], operation: op).first?[0].int { return id }
            try driver.query("INSERT INTO series (metric, label_key, labels, host) VALUES ($1, $2, $3, $4) ON CONFLICT (metric, label_key) DO NOTHING",
                             [.text(metric), .text(key), .text(LabelText.json(labels)), .text(host)], operation: op)
            guard let id = try driver.query(select, [.text(metric), .text(key)], operation: op).first?[0].int else {
                throw .statementFailed(backend: backendName, operation: op, reason: "series row missing after insert")
            }
            return id
        }
    }

    func write(_ points: UnsafeBufferPointer<StoredPoint>) throws(StorageError) -> WriteResult {
        guard !points.isEmpty else { return WriteResult(offered: 0, nonFinite: 0) }
        var nonFinite = 0
        var oldest = Int64.max
        for p in points {
            if !p.value.isFinite { nonFinite += 1 }
            if p.timestamp < oldest { oldest = p.timestamp }
        }
        let inserted = try locked { () throws(StorageError) in
            try transaction("write \(points.count) points") { () throws(StorageError) in
                let inserted: Int
                if nonFinite == 0 {
                    inserted = try driver.insertPoints(points)
                } else {
                    // Rare: copy the finite points rather than teach every driver to skip.
                    let finite = points.filter { $0.value.isFinite }
                    inserted = try finite.withUnsafeBufferPointer { (b) throws(StorageError) in try driver.insertPoints(b) }
                }
                try markLateLocked(oldest)
                return inserted
            }
        }
        return WriteResult(offered: points.count, nonFinite: nonFinite, duplicates: points.count - nonFinite - inserted)
    }

    /// Lock held, in the write transaction. Points older than what is already rolled up
    /// make their 1-minute bucket dirty, so the next roll-up recomputes it.
    private func markLateLocked(_ oldest: Int64) throws(StorageError) {
        guard let done = doneUntil[.minute], oldest < done else { return }
        let bucket = floorDiv(oldest, StorageTier.minute.resolution) * StorageTier.minute.resolution
        try driver.query("UPDATE rollup_state SET dirty_from = $2 WHERE tier = $1 AND (dirty_from IS NULL OR dirty_from > $2)",
                         [.text(StorageTier.minute.rawValue), .int(bucket)], operation: "mark late points for roll-up")
    }

    func bytesOnDisk() throws(StorageError) -> Int64 {
        try locked { () throws(StorageError) in try driver.bytesOnDisk() }
    }
}

/// Integer division rounding toward negative infinity (bucket starts before 1970 too).
@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
