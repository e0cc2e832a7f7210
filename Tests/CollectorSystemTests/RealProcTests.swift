@testable import CollectorSystem
import PluginAPI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The parsers against this machine's own /proc.
@Suite("Real /proc")
struct RealProcTests {
    func read(_ path: String) throws -> ProcFile {
        let f = ProcFile(capacity: 64)  // small on purpose: exercises buffer growth
        try #require(f.load(path), "cannot read \(path)")
        return f
    }

    @Test func cpuPercentagesAreSane() throws {
        let f = try read("/proc/stat")
        var a = ProcStat(), b = ProcStat()
        f.withBytes { a.parse($0) }
        // Burn a little CPU so that ticks elapse between the samples.
        var x = 0.0
        let start = clock()
        while clock() - start < CLOCKS_PER_SEC / 20 { x += sin(x) + 1 }
        #expect(x > 0)
        _ = f.load("/proc/stat")
        f.withBytes { b.parse($0) }
        #expect(a.cores.count >= 1 && a.cores.count == b.cores.count)
        #expect(b.contextSwitches ?? 0 >= a.contextSwitches ?? .max)
        let before = try #require(a.overall)
        let after = try #require(b.overall)
        let overall = try #require(CPUPercent(from: before, to: after))
        for p in [overall] + zip(a.cores, b.cores).compactMap({ CPUPercent(from: $0.times, to: $1.times) }) {
            for v in [p.total, p.user, p.system, p.iowait, p.steal] { #expect((0...100).contains(v)) }
            #expect(p.total + p.iowait <= 100 + 1e-9)
        }
    }

    @Test func memoryLoadFilesAreSane() throws {
        let m = try #require(try read("/proc/meminfo").withBytes(MemInfo.parse))
        #expect(m.total > 0)
        #expect(m.usedBytes <= m.total)
        #expect((0...100).contains(m.usedPercent) && (0...100).contains(m.swapUsedPercent))
        let l = try #require(try read("/proc/loadavg").withBytes(LoadAvg.parse))
        #expect(l.threads >= 1 && l.one >= 0)
        let f = try #require(try read("/proc/sys/fs/file-nr").withBytes(FileNr.parse))
        #expect(f.open > 0 && f.open <= f.max)
    }

    @Test func mountsDevicesInterfacesProcesses() throws {
        let entries = try read("/proc/self/mounts").withBytes(MountTable.parse)
        let selected = MountTable.select(entries, includeTmpfs: false,
                                         exclude: SystemConfig().mountsExclude.map(MountPattern.init))
        #expect(!selected.isEmpty)
        #expect(selected.contains { if case .usage = FilesystemUsage.probe($0.mountPoint) { true } else { false } })

        var disks: [DiskStat] = []
        if let f = try? read("/proc/diskstats") { f.withBytes { DiskStat.parse($0, into: &disks) } }
        var nets: [NetDevStat] = []
        try read("/proc/net/dev").withBytes { NetDevStat.parse($0, into: &nets) }
        #expect(nets.contains { $0.interface == "lo" })

        var table = ProcessTable()
        let listed = table.scan(procRoot: "/proc", readStats: true, reader: ProcFile(), now: 0)
        let count = try #require(listed)
        #expect(count > 0 && count == table.samples.count)
        #expect(table.samples.contains { $0.pid == getpid() })
        let me = try #require(table.samples.first { $0.pid == getpid() })
        #expect(me.rssBytes > 0)
    }

    /// One round against the real /proc through the C ABI, timed. Debug build timings
    /// are reported; the release figure is in the README.
    @Test func timedRoundsThroughTheABI() throws {
        let host = FakeHost()
        let inst = try CInstance.create(host, config: "{}").get()
        defer { inst.stopAndDestroy() }
        var now: Int64 = 1_700_000_000 * 1_000_000_000
        #expect(inst.collect(now).code == NAZAR_OK)
        let rounds = 20
        var best = Int64.max, total: Int64 = 0
        for _ in 0..<rounds {
            now += 1_000_000_000
            var a = timespec(), b = timespec()
            clock_gettime(CLOCK_MONOTONIC, &a)
            let r = inst.collect(now)
            clock_gettime(CLOCK_MONOTONIC, &b)
            #expect(r.code == NAZAR_OK)
            let ns = (Int64(b.tv_sec) - Int64(a.tv_sec)) * 1_000_000_000 + Int64(b.tv_nsec - a.tv_nsec)
            best = min(best, ns)
            total += ns
        }
        let batch = host.lastBatch
        // A round needs a clock tick (10 ms) since the previous one to see CPU time pass.
        usleep(100_000)
        now += 1_000_000_000
        #expect(inst.collect(now).code == NAZAR_OK)
        print("collector-system: \(batch.count) points per round; mean \(Double(total) / Double(rounds) / 1e6) ms,"
              + " best \(Double(best) / 1e6) ms per round (\(rounds) rounds, this build)")
        #expect(host.value("mem.total") != nil)
        #expect(host.value("cpu.total") != nil)
        #expect(!host.points(named: "disk.total").isEmpty)
        #expect(host.value("procs.total") ?? 0 > 0)
        let cpu = try #require(host.value("cpu.total"))
        #expect((0...100).contains(cpu))
        #expect((host.value("mem.used") ?? .infinity) <= (host.value("mem.total") ?? 0))
        #expect(!host.logs.contains { $0.level <= NAZAR_LOG_WARNING })
    }
}
