import Foundation
import Logging
import Testing
@testable import Host
import TestSupport

/// The writer between a real embedded bus and a real store.
@Suite(.serialized) struct StorageWriterTests {
    typealias T = TestStore

    func makeBus(capacity: Int = 65_536, overflow: OverflowPolicy = .block) -> EmbeddedBus {
        var s = BusSettings()
        s.queueCapacity = capacity
        s.overflow = overflow
        s.blockTimeout = .seconds(5)
        return EmbeddedBus(settings: s, registry: SeriesRegistry(maxSeries: 10_000, defaultHost: "web1"))
    }

    func settings(buffer: Int = 1_000_000) -> StorageSettings {
        StorageSettings(bufferPoints: buffer, rollupInterval: .seconds(3600))
    }

    /// The writer runs retention against the wall clock: points must be recent.
    let base = wallClockNanoseconds() - 3_600_000_000_000

    func publish(_ bus: EmbeddedBus, series: [UInt64], batches: Range<Int>, batchSize: Int, pause: Duration = .zero) -> Int {
        var dropped = 0
        var batch: [BusPoint] = []
        for b in batches {
            batch.removeAll(keepingCapacity: true)
            for i in 0..<batchSize {
                let n = b * batchSize + i
                batch.append(BusPoint(series: series[n % series.count], timestamp: base + Int64(n) * 1_000_000, value: Double(n)))
            }
            dropped += batch.withUnsafeBufferPointer { bus.publish($0) }
            if pause > .zero { Thread.sleep(forTimeInterval: Double(pause.nanoseconds) / 1e9) }
        }
        return dropped
    }

    @Test(arguments: Backend.allCases)
    func pointsAndAlertsFromTheBusAreStored(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let bus = makeBus()
        let writer = StorageWriter(storage: store.storage, bus: bus, settings: settings(), logger: Logger(label: "test"), writeBatch: 5000)
        #expect(writer.start())
        let series = try (0..<10).map { try bus.registry.intern(name: "net.bytes", labels: [("if", "eth\($0)")]) }
        #expect(publish(bus, series: series, batches: 0..<50, batchSize: 1000) == 0)
        let event = AlertEvent(rule: "net_high", severity: .warning, state: .firing, labels: [("host", "web1"), ("if", "eth0")],
                               summary: "high", value: 5, score: 0, timestamp: T.now, startsAt: T.now, source: "ewma")
        bus.publish(alert: event)
        writer.stop()

        let c = writer.counters
        #expect(c.pointsWritten == 50_000 && c.pointsLost == 0 && c.alertsWritten == 1 && c.buffered == 0)
        let stored = try store.storage.series(matching: [LabelMatcher("__name__", .equal, "net.bytes")])
        #expect(stored.count == 10)
        #expect(stored.first(where: { $0.label("if") == "eth3" })?.label("host") == "web1")
        let perSeries = try stored.map { try store.rawCount($0.id) }
        #expect(perSeries == Array(repeating: 5000, count: 10))
        #expect(try store.storage.alertHistory(AlertHistoryFilter()).map(\.rule) == ["net_high"])
    }

    @Test func unreachableDatabaseFillsTheBufferThenPushesBackOnTheBus() throws {
        let storage = StorageFactory.postgresql(dsn: "host=127.0.0.1 port=1 connect_timeout=1")
        let bus = makeBus(capacity: 1024, overflow: .dropNewest)
        let writer = StorageWriter(storage: storage, bus: bus, settings: settings(buffer: 10_000), logger: Logger(label: "test"))
        #expect(writer.start())
        let s = try bus.registry.intern(name: "x", labels: [])
        var dropped = 0
        for i in 0..<40 {
            dropped += publish(bus, series: [s], batches: i..<(i + 1), batchSize: 500, pause: .milliseconds(5))
        }
        Thread.sleep(forTimeInterval: 0.3)
        let c = writer.counters
        // The writer holds exactly its buffer, the bus queue holds its capacity, the rest was
        // refused by the bus (drop_newest) and counted there.
        #expect(c.buffered == 10_000)
        #expect(c.bufferFullWaits > 0 && c.writeFailures > 0 && !c.connected)
        #expect(dropped == 20_000 - 10_000 - 1024)
        writer.stop(timeout: .milliseconds(300))
        #expect(writer.counters.pointsLost == 10_000 + 1024)
    }

    /// A backlog (here: built up while the database could not be opened) is written in
    /// many transactions; between them the writer takes what the bus queue holds, so the
    /// bus keeps accepting points while the backlog drains instead of holding publishers
    /// back (or refusing them) for as long as the whole flush lasts. Shown without timing:
    /// publishers that wait for room in a 1,024-point queue get 10,000 points in while the
    /// 200,000-point backlog is still being written.
    @Test func aLongFlushKeepsTakingPointsFromTheBus() throws {
        // 200,000 points reach the writer's buffer, one 500-point batch at a time.
        let (dir, bus, writer, series) = try writerWithBacklog(batches: 400, name: "flush.v")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(writer.counters.writeFailures > 0 && !writer.counters.connected)
        // The database can be opened now: the backlog goes out in 200 transactions.
        #expect(mkdir("\(dir)/later", 0o755) == 0)
        while writer.counters.pointsWritten == 0 { Thread.sleep(forTimeInterval: 0.001) }
        // Meanwhile 20 more batches of 500, each publish waiting for room in the queue.
        let dropped = publish(bus, series: series, batches: 400..<420, batchSize: 500)
        let writtenWhenAccepted = writer.counters.pointsWritten
        writer.stop(timeout: .seconds(60))
        #expect(dropped == 0, "the bus refused points while the writer was flushing its backlog")
        // A writer that read the bus only after its whole backlog would have written all
        // 200,000 before the last publisher got room.
        #expect(writtenWhenAccepted < 200_000, "the publishers waited for the whole backlog: \(writtenWhenAccepted) written")
        let c = writer.counters
        #expect(c.pointsWritten == 210_000 && c.pointsLost == 0)
    }

    /// A started writer (writeBatch 1,000, buffer 300,000) whose database cannot be opened
    /// yet — its directory `<dir>/later` does not exist until the test makes it — holding
    /// `batches` × 500 points over 100 series, published one batch at a time through a
    /// 1,024-point queue whose publishers wait for room (overflow = block).
    private func writerWithBacklog(batches: Int, name: String) throws
        -> (dir: String, bus: EmbeddedBus, writer: StorageWriter, series: [UInt64]) {
        let dir = try TestPaths.makeTemporaryDirectory("writer")
        let storage = StorageFactory.sqlite(path: "\(dir)/later/nazar.db", retention: StorageRetention())
        let bus = makeBus(capacity: 1024, overflow: .block)
        let writer = StorageWriter(storage: storage, bus: bus, settings: settings(buffer: 300_000), logger: Logger(label: "test"),
                                   writeBatch: 1000)
        #expect(writer.start())
        let series = try (0..<100).map { try bus.registry.intern(name: name, labels: [("n", "\($0)")]) }
        for b in 0..<batches {
            #expect(publish(bus, series: series, batches: b..<(b + 1), batchSize: 500) == 0)
            while writer.counters.buffered < (b + 1) * 500 { Thread.sleep(forTimeInterval: 0.001) }
        }
        return (dir, bus, writer, series)
    }

    /// A backlog is written in transactions of up to 10 × writeBatch (SQLite rewrites every
    /// touched page per commit, so fewer commits cost less per point); caught up, the
    /// writer is back to writeBatch.
    @Test func aBacklogIsWrittenInLargerTransactions() throws {
        // 50,000 points wait while the database cannot be opened.
        let (dir, bus, writer, series) = try writerWithBacklog(batches: 100, name: "backlog.v")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkdir("\(dir)/later", 0o755) == 0)
        while writer.counters.pointsWritten < 50_000 { Thread.sleep(forTimeInterval: 0.001) }
        let afterBacklog = writer.counters
        // 10,000 points in 5 transactions, not 50 of writeBatch.
        #expect(afterBacklog.pointsWritten == 50_000 && afterBacklog.transactions == 5,
                "\(afterBacklog.transactions) transactions for the 50,000-point backlog")
        // Caught up: a burst of 3,000 goes out in writeBatch-sized transactions at most.
        #expect(publish(bus, series: series, batches: 100..<106, batchSize: 500) == 0)
        writer.stop(timeout: .seconds(60))
        let c = writer.counters
        #expect(c.pointsWritten == 53_000 && c.pointsLost == 0)
        #expect(c.transactions - afterBacklog.transactions >= 3)
    }

    @Test func postgresRestartedMidStreamLosesNothing() throws {
        guard let store = try TestStore.make(.postgresql) else { return }
        defer { store.cleanup() }
        let restart = "\(TestPaths.repository)/scripts/restart-postgres"
        let bus = makeBus()
        let writer = StorageWriter(storage: store.storage, bus: bus, settings: settings(), logger: Logger(label: "test"), writeBatch: 2000)
        #expect(writer.start())
        let series = try (0..<20).map { try bus.registry.intern(name: "disk.ops", labels: [("dev", "sd\($0)")]) }
        let total = 300 * 1000
        let publisher = Thread {
            _ = publish(bus, series: series, batches: 0..<300, batchSize: 1000, pause: .milliseconds(5))
        }
        publisher.start()
        Thread.sleep(forTimeInterval: 0.4)
        // system(), not Process: the restarted server inherits nothing of ours, and
        // Foundation's waitUntilExit was seen to hang here.
        let status = system("\(restart) >/dev/null 2>&1")
        #expect(status == 0, "scripts/restart-postgres failed (\(status))")
        while !publisher.isFinished { Thread.sleep(forTimeInterval: 0.05) }
        writer.stop(timeout: .seconds(60))

        let c = writer.counters
        #expect(c.writeFailures > 0, "the restart did not interrupt a write: the test proved nothing")
        #expect(c.pointsLost == 0)
        var stored = 0
        for id in try store.storage.series(matching: [LabelMatcher("__name__", .equal, "disk.ops")]).map(\.id) {
            stored += try store.rawCount(id)
        }
        // Exactly once: the primary key forbids duplicates, the count forbids losses.
        #expect(stored == total)
        let sum = try store.storage.series(matching: []).reduce(0.0) { acc, s in
            acc + (try store.storage.range(series: s.id, from: 0, to: .max / 2, step: .max / 2, aggregation: .sum, tier: .raw, now: T.now)
                .samples.first?.value ?? 0)
        }
        #expect(sum == Double(total - 1) * Double(total) / 2)
    }
}
