/// Where points, alerts, silences and the notifier outbox are kept.
///
/// Threading: implementations serialise calls internally, so one instance may be used
/// from the storage writer's thread and from API handlers at once; calls block.
/// Errors: `StorageError.unavailable` when the database cannot be reached (the caller
/// may retry: the next call reconnects), other cases otherwise. Timestamps are
/// nanoseconds since the Unix epoch.
public protocol Storage: AnyObject, Sendable {
    /// "sqlite" or "postgresql", for logs.
    var backendName: String { get }

    /// Connects (or reconnects) and applies pending schema migrations.
    func open() throws(StorageError)

    /// Closes the connection; later calls reopen it.
    func close()

    // MARK: Points

    /// The storage id of a series, creating it on first use. Labels must include `host`.
    func seriesID(metric: String, labels: [StoredSeries.Label]) throws(StorageError) -> Int64

    /// Writes points in one transaction. A point already stored for the same series and
    /// timestamp is kept and the new one ignored (counted in `duplicates`), so replays
    /// never duplicate. Points whose value is NaN or infinite are skipped and counted in
    /// the result.
    @discardableResult
    func write(_ points: UnsafeBufferPointer<StoredPoint>) throws(StorageError) -> WriteResult

    /// Series whose labels match every matcher (the key `__name__` is the metric).
    func series(matching matchers: [LabelMatcher]) throws(StorageError) -> [StoredSeries]

    /// The series with storage id `id`, or nil when there is none: one primary-key lookup,
    /// whatever the number of series.
    func series(id: Int64) throws(StorageError) -> StoredSeries?

    /// Every host that has series (the `host` label, as stored in `series.host`), with how
    /// many series it has and the time of its newest raw point (nil once retention pruned
    /// them all), sorted by host name byte-wise. One statement for all hosts, an index
    /// probe per series for the newest point: it never lists the series themselves.
    func hosts() throws(StorageError) -> [HostSummary]

    /// One series over [from, to) at `step`, aggregated per step; `tier` nil picks one
    /// with `StorageTierChoice`.
    func range(series: Int64, from: Int64, to: Int64, step: Int64, aggregation: StorageAggregation,
               tier: StorageTier?, now: Int64) throws(StorageError) -> RangeResult

    /// The latest raw value of every series of `host`.
    func latest(host: String) throws(StorageError) -> [LatestValue]

    /// The stored buckets of a roll-up tier for one series in [from, to).
    func buckets(series: Int64, tier: StorageTier, from: Int64, to: Int64) throws(StorageError) -> [RollupBucket]

    // MARK: Maintenance

    /// Computes roll-ups for every bucket closed by `now` (and recomputes buckets that
    /// received late points), then deletes what each tier's retention no longer covers.
    func maintain(now: Int64) throws(StorageError)

    /// Bytes the store occupies (database file(s) or relation sizes).
    func bytesOnDisk() throws(StorageError) -> Int64

    // MARK: Alerts

    /// Appends alerts to the history; returns their ids.
    @discardableResult
    func appendAlerts(_ records: [AlertRecord]) throws(StorageError) -> [Int64]

    func alertHistory(_ filter: AlertHistoryFilter) throws(StorageError) -> [AlertRecord]

    // MARK: Silences

    func createSilence(_ silence: Silence) throws(StorageError) -> Int64
    /// Ends a silence at `at` (no effect if it already ended).
    func expireSilence(id: Int64, at: Int64) throws(StorageError)
    func activeSilences(at: Int64) throws(StorageError) -> [Silence]

    // MARK: Outbox

    func enqueueNotification(notifier: String, fingerprint: UInt64, payload: String, at: Int64) throws(StorageError) -> Int64
    /// Leases the notifier's oldest due entry until `now + leaseFor` (an expired lease is
    /// due again, so a crashed delivery is retried); nil when nothing is due.
    func leaseNextNotification(notifier: String, now: Int64, leaseFor: Int64) throws(StorageError) -> OutboxEntry?
    func markDelivered(id: Int64, at: Int64) throws(StorageError)
    /// Records a failed attempt: retried at `retryAt`, or failed for good when nil.
    func markFailed(id: Int64, error: String, retryAt: Int64?) throws(StorageError)
    /// Leases the notifier's oldest undelivered entry if it is due; see `OutboxHead`.
    func leaseHeadNotification(notifier: String, now: Int64, leaseFor: Int64) throws(StorageError) -> OutboxHead
    /// Makes every leased entry pending again: called once at start, when no delivery of a
    /// previous process can still be in flight. Returns how many were released.
    @discardableResult
    func releaseNotificationLeases() throws(StorageError) -> Int
    /// Entries for listings (`nazarctl alerts`), newest first.
    func outboxEntries(_ filter: OutboxFilter) throws(StorageError) -> [OutboxEntry]
    /// Entries still to deliver (pending or leased), per notifier.
    func undeliveredNotificationCounts() throws(StorageError) -> [String: Int]
    /// Deletes delivered entries delivered before `before` and failed ones enqueued before
    /// it; returns how many went. Pending and leased entries are never deleted.
    @discardableResult
    func deleteFinishedNotifications(before: Int64) throws(StorageError) -> Int
}

/// What one `write` did.
public struct WriteResult: Sendable, Equatable {
    /// Points handed in, including those skipped.
    public var offered: Int
    /// Points skipped because their value was NaN or infinite.
    public var nonFinite: Int
    /// Finite points not inserted because their (series, timestamp) was already stored or
    /// came earlier in the same batch: the replays idempotence absorbed.
    public var duplicates: Int = 0
}
