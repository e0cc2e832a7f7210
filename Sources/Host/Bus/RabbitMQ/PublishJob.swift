/// Messages from one `publish` call, handed to the publisher thread; the producer waits
/// until `finish` says they were confirmed by the broker or written to the spool.
final class PublishJob: @unchecked Sendable {
    let records: [SpoolRecord]
    let pointCount: Int
    private let lock = ConditionLock()
    private var done = false
    private var lostPoints = 0

    init(records: [SpoolRecord]) {
        self.records = records
        pointCount = records.reduce(0) { $0 + $1.pointCount }
    }

    /// Called by the publisher thread once; `lost` is points neither confirmed nor spooled.
    func finish(lost: Int) {
        lock.withLock {
            done = true
            lostPoints = lost
            lock.broadcast(.first)
        }
    }

    /// Blocks the producer until `finish`; returns the points lost.
    func wait() -> Int {
        lock.withLock {
            while !done { lock.wait(.first, untilMonotonicNanoseconds: .max) }
            return lostPoints
        }
    }
}
