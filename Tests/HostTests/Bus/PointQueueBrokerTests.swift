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

    @Test func pushWaitingResumesWhenTheWorkerMakesRoom() async {
        let q = PointQueue(capacity: 4, overflow: .block, blockTimeout: .zero)
        let worker = Task.detached {
            var out = [BusPoint](repeating: BusPoint(series: 0, timestamp: 0, value: 0), count: 4)
            var seen = 0
            while seen < 10 {
                let n = out.withUnsafeMutableBufferPointer { q.pop(into: $0.baseAddress!, max: 4, untilMonotonicNanoseconds: monotonicNanoseconds() + 1_000_000_000) }
                seen += n
                q.markCompleted(n)
            }
            return seen
        }
        let queued = points(10).withUnsafeBufferPointer { q.pushWaiting($0, untilMonotonicNanoseconds: monotonicNanoseconds() + 5_000_000_000) }
        #expect(queued == 10)
        #expect(await worker.value == 10)
        #expect(q.completedCount == 10)
        #expect(q.counters.dropped == 0)
    }
}
