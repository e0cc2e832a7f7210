import Testing
@testable import Host

/// Roll-ups (hand-computed), late points, retention per tier, schema versions.
@Suite struct StorageRollupTests {
    typealias T = TestStore
    static let sec: Int64 = 1_000_000_000

    /// Two hours ago, on an hour boundary.
    static let base = T.now - 2 * T.hour

    /// Minute 0: 4, 1, 7 (last 7); minute 1: 2, 10 (last 10); minute 61: 5 (last 5).
    static let points: [(Int64, Double)] = [
        (base + 5 * sec, 4), (base + 20 * sec, 1), (base + 59 * sec, 7),
        (base + T.minute, 2), (base + T.minute + 30 * sec, 10),
        (base + 61 * T.minute, 5),
    ]

    @Test(arguments: Backend.allCases)
    func rollupsHoldMinMaxMeanCountLast(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let s = try store.series("req.latency")
        try store.write(Self.points.map { StoredPoint(series: s, timestamp: $0.0, value: $0.1) })
        try store.storage.maintain(now: T.now)

        let minutes = try store.storage.buckets(series: s, tier: .minute, from: 0, to: T.now)
        #expect(minutes == [
            RollupBucket(start: Self.base, min: 1, max: 7, sum: 12, count: 3, last: 7),
            RollupBucket(start: Self.base + T.minute, min: 2, max: 10, sum: 12, count: 2, last: 10),
            RollupBucket(start: Self.base + 61 * T.minute, min: 5, max: 5, sum: 5, count: 1, last: 5),
        ])
        let hours = try store.storage.buckets(series: s, tier: .hour, from: 0, to: T.now)
        #expect(hours == [
            RollupBucket(start: Self.base, min: 1, max: 10, sum: 24, count: 5, last: 10),
            RollupBucket(start: Self.base + T.hour, min: 5, max: 5, sum: 5, count: 1, last: 5),
        ])
        #expect(hours.first?.mean == 24.0 / 5)

        // Range queries over the roll-ups aggregate buckets the same way.
        let mean = try store.storage.range(series: s, from: Self.base, to: T.now, step: T.hour, aggregation: .mean, tier: .minute, now: T.now)
        #expect(mean.tier == .minute)
        #expect(mean.samples == [RangeSample(timestamp: Self.base, value: 24.0 / 5), RangeSample(timestamp: Self.base + T.hour, value: 5)])
        let last = try store.storage.range(series: s, from: Self.base, to: T.now, step: T.hour, aggregation: .last, tier: .minute, now: T.now)
        #expect(last.samples.map(\.value) == [10, 5])
        let count = try store.storage.range(series: s, from: Self.base, to: T.now, step: 2 * T.hour, aggregation: .count, tier: .hour, now: T.now)
        #expect(count.samples == [RangeSample(timestamp: Self.base, value: 6)])
        let max = try store.storage.range(series: s, from: Self.base, to: T.now, step: T.day, aggregation: .max, tier: nil, now: T.now)
        #expect(max.tier == .hour)
        #expect(max.samples.map(\.value) == [10])
    }

    @Test(arguments: Backend.allCases)
    func openBucketsWaitAndLatePointsAreRecomputed(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let s = try store.series("q.depth")
        try store.write(Self.points.map { StoredPoint(series: s, timestamp: $0.0, value: $0.1) })
        // At base + 61m30s the minute 61 is still open, the hour base+1h too.
        let early = Self.base + 61 * T.minute + 30 * Self.sec
        try store.storage.maintain(now: early)
        #expect(try store.storage.buckets(series: s, tier: .minute, from: 0, to: T.now).map(\.start) == [Self.base, Self.base + T.minute])
        #expect(try store.storage.buckets(series: s, tier: .hour, from: 0, to: T.now).map(\.start) == [Self.base])
        // A query on the minute tier still shows the open minute, computed from raw points.
        let edge = try store.storage.range(series: s, from: Self.base, to: early, step: T.minute, aggregation: .mean,
                                           tier: .minute, now: early)
        #expect(edge.samples == [RangeSample(timestamp: Self.base, value: 4), RangeSample(timestamp: Self.base + T.minute, value: 6),
                                 RangeSample(timestamp: Self.base + 61 * T.minute, value: 5)])
        // And the open hour on the hour tier.
        let hourEdge = try store.storage.range(series: s, from: Self.base, to: early, step: T.hour, aggregation: .max,
                                               tier: .hour, now: early)
        #expect(hourEdge.samples == [RangeSample(timestamp: Self.base, value: 10), RangeSample(timestamp: Self.base + T.hour, value: 5)])

        // A late point into the closed minute 0 (a replay after an outage).
        try store.write([StoredPoint(series: s, timestamp: Self.base + 30 * Self.sec, value: -3)])
        try store.storage.maintain(now: T.now)
        let minutes = try store.storage.buckets(series: s, tier: .minute, from: 0, to: T.now)
        #expect(minutes.first == RollupBucket(start: Self.base, min: -3, max: 7, sum: 9, count: 4, last: 7))
        #expect(minutes.count == 3)
        let hours = try store.storage.buckets(series: s, tier: .hour, from: 0, to: T.now)
        #expect(hours.first == RollupBucket(start: Self.base, min: -3, max: 10, sum: 21, count: 6, last: 10))
    }

    @Test(arguments: Backend.allCases)
    func retentionPrunesEachTier(_ backend: Backend) throws {
        let retention = StorageRetention(raw: .seconds(86_400), minute: .seconds(3 * 86_400), hour: .seconds(10 * 86_400))
        guard let store = try TestStore.make(backend, retention: retention) else { return }
        defer { store.cleanup() }
        let s = try store.series("disk.io")
        // One point per day for 12 days, at 12:00 of each day, and one an hour ago.
        var points = (1...12).map { d in StoredPoint(series: s, timestamp: T.now - Int64(d) * T.day + 12 * T.hour, value: Double(d)) }
        points.append(StoredPoint(series: s, timestamp: T.now - T.hour, value: 0))
        try store.write(points)
        try store.storage.maintain(now: T.now)

        // Raw: the last day only (now is a day boundary, so PostgreSQL drops whole partitions
        // exactly where SQLite deletes): the point of day 1 and the one an hour ago.
        #expect(try store.rawCount(s) == 2)
        // Roll-ups start where raw retention starts: older raw points were already due for
        // deletion, so they are not rolled up (a backfill older than that is not kept).
        let minutes = try store.storage.buckets(series: s, tier: .minute, from: 0, to: T.now)
        #expect(minutes.map(\.last).sorted() == [0, 1])
        let hours = try store.storage.buckets(series: s, tier: .hour, from: 0, to: T.now)
        #expect(hours.map(\.last).sorted() == [0, 1])
        // Nothing left older than each tier's cutoff even when roll-ups ran earlier.
        try store.storage.maintain(now: T.now + 5 * T.day)
        #expect(try store.rawCount(s) == 0)
        #expect(try store.storage.buckets(series: s, tier: .minute, from: 0, to: .max / 2).isEmpty)
        #expect(try store.storage.buckets(series: s, tier: .hour, from: 0, to: .max / 2).map(\.last).sorted() == [0, 1])
        // And the hour tier goes once its 10 days pass.
        try store.storage.maintain(now: T.now + 11 * T.day)
        #expect(try store.storage.buckets(series: s, tier: .hour, from: 0, to: .max / 2).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func reopeningKeepsDataAndANewerSchemaIsRefused(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let s = try store.series("up")
        try store.write([StoredPoint(series: s, timestamp: T.now, value: 1)])
        store.storage.close()
        try store.storage.open()
        #expect(try store.rawCount(s) == 1)
        #expect(try store.series("up") == s)
        guard let sql = store.storage as? SQLStore else {
            Issue.record("not a SQLStore")
            return
        }
        _ = try sql.lock.withLock { try sql.driver.query("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)", [], operation: "test") }
        store.storage.close()
        #expect(throws: StorageError.schemaTooNew(backend: backend.rawValue, found: 99, supported: 1)) {
            try store.storage.open()
        }
    }
}
