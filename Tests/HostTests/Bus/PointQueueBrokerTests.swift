import Testing
@testable import Host

/// What the broker consumer needs from a subscriber's queue: waiting pushes that never
/// count drops, and a completed count the worker advances after on_points.
@Suite struct PointQueueBrokerTests {
    func points(_ n: Int) -> [BusPoint] { (0..<n).map { BusPoint(series: 1, timestamp: Int64($0), value: Double($0)) } }

    @Test func pushWaitingQueuesWhatFitsAndCountsNoDrops() {
        let q = PointQueue(capacity: 4, overflow: .dropNewest, blockTimeout: .zero)
        let queued = points(6).withUnsafeBufferPointer { q.pushWaiting($0, untilMonotonicNanoseconds: monotonicNanoseconds() + 20_000_000) }
        #expect(queued == 4)
        #expect(q.counters.dropped == 0)
        #expect(q.counters.depth == 4)
    }

    @Test func pushWaitingResumesWhenTheWorkerMakesRoom() {
        let q = PointQueue(capacity: 4, overflow: .block, blockTimeout: .zero)
        // A thread of its own, like a detector's worker (the test pool may be busy).
        let done = ConditionLock()
        nonisolated(unsafe) var seen = 0
        WorkerThread.start(name: "test-worker") {
            let out = UnsafeMutablePointer<BusPoint>.allocate(capacity: 4)
            defer { out.deallocate() }
            var total = 0
            while total < 10 {
                let n = q.pop(into: out, max: 4, untilMonotonicNanoseconds: monotonicNanoseconds() + 1_000_000_000)
                total += n
                q.markCompleted(n)
            }
            done.withLock { seen = total; done.broadcast(.first) }
        }
        let queued = points(10).withUnsafeBufferPointer { q.pushWaiting($0, untilMonotonicNanoseconds: monotonicNanoseconds() + 10_000_000_000) }
        #expect(queued == 10)
        let deadline = monotonicNanoseconds() + 10_000_000_000
        let total = done.withLock { () -> Int in
            while seen < 10 && monotonicNanoseconds() < deadline { done.wait(.first, untilMonotonicNanoseconds: deadline) }
            return seen
        }
        #expect(total == 10)
        #expect(q.completedCount == 10)
        #expect(q.counters.dropped == 0)
    }
}
