@testable import CollectorSystem
import Testing

@Suite("Processes")
struct ProcessTests {
    let second: Int64 = 1_000_000_000

    func stat(_ pid: Int32, _ comm: String, ticks: UInt64, start: UInt64 = 1000, rss: UInt64 = 10) -> PidStat {
        PidStat(pid: pid, comm: comm, cpuTicks: ticks, startTime: start, rssPages: rss)
    }

    @Test func cpuFromSecondRoundAndVanishedPids() throws {
        var t = ProcessTable()
        let hz = UInt64(t.ticksPerSecond)
        t.beginRound()
        t.record(stat(1, "init", ticks: 100), now: 0)
        t.record(stat(2, "gone", ticks: 100), now: 0)
        t.endRound()
        #expect(t.samples.allSatisfy { $0.cpuPercent == nil })

        t.beginRound()
        // 10 s later pid 1 used 5 s of CPU: 50% of one CPU. pid 3 is new.
        t.record(stat(1, "init", ticks: 100 + 5 * hz), now: 10 * second)
        t.record(stat(3, "new", ticks: 7), now: 10 * second)
        t.endRound()
        #expect(t.samples.count == 2)
        let p1 = try #require(t.samples.first { $0.pid == 1 })
        #expect(abs((p1.cpuPercent ?? -1) - 50) < 1e-9)
        #expect(p1.rssBytes == 10 * t.pageSize)
        #expect(t.samples.first { $0.pid == 3 }?.cpuPercent == nil)

        t.beginRound()
        // pid 2 returns: it was forgotten, so no rate from its stale sample.
        t.record(stat(2, "gone", ticks: 100 + 20 * hz), now: 20 * second)
        t.record(stat(3, "new", ticks: 7 + hz), now: 20 * second)
        t.endRound()
        #expect(t.samples.first { $0.pid == 2 }?.cpuPercent == nil)
        #expect(abs((t.samples.first { $0.pid == 3 }?.cpuPercent ?? -1) - 10) < 1e-9)
    }

    @Test func reusedPidIsANewProcess() {
        var t = ProcessTable()
        t.beginRound()
        t.record(stat(9, "old", ticks: 5000, start: 100), now: 0)
        t.endRound()
        t.beginRound()
        t.record(stat(9, "newer", ticks: 10, start: 900), now: 10 * second)
        t.endRound()
        #expect(t.samples[0].cpuPercent == nil)
    }

    @Test func topSelection() {
        let samples = [
            ProcessSample(pid: 10, comm: "a", cpuPercent: 5, rssBytes: 100),
            ProcessSample(pid: 11, comm: "b", cpuPercent: nil, rssBytes: 900),
            ProcessSample(pid: 12, comm: "c", cpuPercent: 50, rssBytes: 0),
            ProcessSample(pid: 13, comm: "d", cpuPercent: 0, rssBytes: 300),
            ProcessSample(pid: 9, comm: "e", cpuPercent: 5, rssBytes: 300),
            ProcessSample(pid: 14, comm: "f", cpuPercent: 120, rssBytes: 50),
        ]
        var idx: [Int] = []
        ProcessTable.top(samples, n: 3, by: { $0.cpuPercent }, into: &idx)
        #expect(idx.map { samples[$0].pid } == [14, 12, 9])  // tie at 5%: lower pid first
        ProcessTable.top(samples, n: 100, by: { $0.cpuPercent }, into: &idx)
        #expect(idx.map { samples[$0].pid } == [14, 12, 9, 10])  // 0% and no-sample excluded
        ProcessTable.top(samples, n: 2, by: { Double($0.rssBytes) }, into: &idx)
        #expect(idx.map { samples[$0].pid } == [11, 9])
        ProcessTable.top(samples, n: 0, by: { Double($0.rssBytes) }, into: &idx)
        #expect(idx.isEmpty)
    }
}
