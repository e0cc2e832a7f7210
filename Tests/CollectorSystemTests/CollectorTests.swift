@testable import CollectorSystem
import PluginAPI
import PluginKit
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The whole plugin, driven through its C descriptor against a fixture /proc tree.
@Suite("Collector through the C ABI")
struct CollectorTests {
    static let t0: Int64 = 1_700_000_000 * 1_000_000_000
    static let t1: Int64 = t0 + 10 * 1_000_000_000

    static func writeRound1(_ tree: FixtureTree) {
        tree.write("stat", """
            cpu  1000 100 500 8000 200 50 50 100 0 0
            cpu0 500 50 250 4000 100 25 25 50 0 0
            cpu1 500 50 250 4000 100 25 25 50 0 0
            intr 1 2 3
            ctxt 100000
            btime 1700000000
            processes 5000
            procs_running 3
            procs_blocked 1

            """)
        tree.write("loadavg", "0.52 0.40 0.35 3/250 12345\n")
        tree.write("meminfo", """
            MemTotal:       16000000 kB
            MemFree:         2000000 kB
            MemAvailable:    8000000 kB
            Buffers:          100000 kB
            Cached:          4000000 kB
            SwapTotal:       2000000 kB
            SwapFree:        1500000 kB
            HugePages_Total:       0

            """)
        tree.write("sys/fs/file-nr", "1024\t0\t65536\n")
        tree.write("self/mounts", """
            /dev/root / ext4 rw 0 0
            proc /proc proc rw 0 0
            tmpfs /run tmpfs rw 0 0
            /dev/root /srv/bind ext4 rw 0 0
            /dev/nothing /nonexistent\\040nazar xfs rw 0 0

            """)
        tree.write("diskstats", """
               8       0 sda 1000 0 20000 0 500 0 10000 0 0 300 0
               8       1 sda1 900 0 18000 0 400 0 8000 0 0 250 0
               7       0 loop0 10 0 80 0 0 0 0 0 0 1 0

            """)
        tree.write("net/dev", """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
              eth0:   50000     100    5    1    0     0          0         0 4294967000     200    0    0    0     0       0          0

            """)
        tree.write("1/stat", pidStatLine(pid: 1, comm: "systemd", utime: 100, stime: 50, startTime: 1, rssPages: 1000))
        tree.write("42/stat", pidStatLine(pid: 42, comm: "sd-pam", utime: 1000, stime: 0, startTime: 500, rssPages: 300))
        tree.write("4242/stat", pidStatLine(pid: 4242, comm: "a) b (c", utime: 10, stime: 10, startTime: 600, rssPages: 5000))
    }

    static func writeRound2(_ tree: FixtureTree, hz: UInt64) {
        tree.write("stat", """
            cpu  1200 100 600 8550 250 75 75 150 0 0
            cpu0 600 50 300 4350 100 25 25 50 0 0
            cpu1 600 50 300 4200 150 50 50 100 0 0
            intr 1 2 3
            ctxt 120000
            btime 1700000000
            processes 5050
            procs_running 4
            procs_blocked 0

            """)
        tree.write("diskstats", """
               8       0 sda 1100 0 22000 0 550 0 11000 0 0 2800 0
               8       1 sda1 990 0 19800 0 440 0 8800 0 0 2500 0
               7       0 loop0 10 0 80 0 0 0 0 0 0 1 0

            """)
        // eth0: rx_errors restarted (5 → 2), tx_bytes wrapped at 2^32 (4294967000 → 704).
        tree.write("net/dev", """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:    2000      20    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
              eth0:   60000     200    2    1    0     0          0         0      704     300    0    3    0     0       0          0

            """)
        tree.deleteDirectory("1")
        tree.write("42/stat", pidStatLine(pid: 42, comm: "sd-pam", utime: 1000 + 5 * hz, stime: 0, startTime: 500, rssPages: 300))
        tree.write("4242/stat", pidStatLine(pid: 4242, comm: "a) b (c", utime: 10 + hz / 2, stime: 10 + hz / 2,
                                            startTime: 600, rssPages: 5000))
        tree.write("777/stat", pidStatLine(pid: 777, comm: "nazar test", utime: 1, stime: 1, startTime: 900, rssPages: 200))
    }

    func near(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    @Test func descriptor() {
        let d = pluginDescriptor().pointee
        #expect(String(cString: d.name) == "collector-system")
        #expect(d.kind == UInt32(NAZAR_KIND_COLLECTOR))
        #expect(d.abi_version == UInt32(NAZAR_ABI_VERSION))
        #expect(d.collect != nil && d.notify == nil && d.on_points == nil)
    }

    @Test func twoRoundsOverFixtureTree() throws {
        let tree = FixtureTree()
        defer { tree.remove() }
        Self.writeRound1(tree)
        let host = FakeHost()
        let inst = try CInstance.create(host, config: #"{"proc_root": "\#(tree.root)", "top_processes": 2}"#).get()
        #expect(inst.start() == NAZAR_OK)

        #expect(inst.collect(Self.t0).code == NAZAR_OK)
        let first = host.lastBatch
        #expect(first.allSatisfy { $0.timestamp == Self.t0 })
        #expect(host.value("cpu.total") == nil)  // percentages need two samples
        #expect(host.value("net.rx_bytes", ["interface": "eth0"]) == nil)
        #expect(host.value("cpu.context_switches") == nil)
        #expect(host.value("mem.total") == Double(16_000_000 * 1024))
        #expect(host.points(named: "process.cpu_percent").isEmpty)
        #expect(Set(host.points(named: "process.rss_bytes").map { $0.series.labels["pid"] }) == ["4242", "1"])

        let hz = UInt64(sysconf(Int32(_SC_CLK_TCK)))
        Self.writeRound2(tree, hz: hz)
        #expect(inst.collect(Self.t1).code == NAZAR_OK)
        let batch = host.lastBatch
        #expect(batch.allSatisfy { $0.timestamp == Self.t1 })
        #expect(batch.allSatisfy { $0.series.labels["host"] == nil })

        // CPU: overall and per core (see writeRound2 for the deltas).
        #expect(near(host.value("cpu.total"), 40))
        #expect(near(host.value("cpu.user"), 20))
        #expect(near(host.value("cpu.system"), 15))
        #expect(near(host.value("cpu.iowait"), 5))
        #expect(near(host.value("cpu.steal"), 5))
        #expect(near(host.value("cpu.total", ["core": "0"]), 30))
        #expect(near(host.value("cpu.iowait", ["core": "0"]), 0))
        #expect(near(host.value("cpu.total", ["core": "1"]), 50))
        #expect(near(host.value("cpu.system", ["core": "1"]), 20))
        #expect(near(host.value("cpu.steal", ["core": "1"]), 10))
        #expect(host.value("cpu.context_switches") == 2000)
        #expect(host.value("cpu.forks") == 5)
        #expect(host.value("procs.running") == 4)
        #expect(host.value("procs.blocked") == 0)

        #expect(host.value("load.1") == 0.52)
        #expect(host.value("load.5") == 0.40)
        #expect(host.value("load.15") == 0.35)
        #expect(host.value("threads.total") == 250)
        #expect(host.value("files.open") == 1024)
        #expect(host.value("files.max") == 65536)

        #expect(host.value("mem.available") == Double(8_000_000 * 1024))
        #expect(host.value("mem.used") == Double(8_000_000 * 1024))
        #expect(host.value("mem.used_percent") == 50)
        #expect(host.value("mem.cached") == Double(4_000_000 * 1024))
        #expect(host.value("mem.buffers") == Double(100_000 * 1024))
        #expect(host.value("swap.total") == Double(2_000_000 * 1024))
        #expect(host.value("swap.used") == Double(500_000 * 1024))
        #expect(host.value("swap.used_percent") == 25)

        // Disk space: only "/" (proc and tmpfs filtered, the bind mount is the same
        // device, the last mount point does not exist: statvfs fails, a debug line).
        let disks = host.points(named: "disk.total")
        #expect(disks.map(\.series.labels) == [["mount": "/", "device": "/dev/root", "fstype": "ext4"]])
        let root = ["mount": "/", "device": "/dev/root", "fstype": "ext4"]
        let used = try #require(host.value("disk.used_percent", root))
        #expect(used >= 0 && used <= 100)
        #expect((host.value("disk.used", root) ?? .infinity) <= (host.value("disk.total", root) ?? 0))
        #expect(host.value("disk.free", root) != nil)
        #expect(host.logs.contains { $0.level == NAZAR_LOG_DEBUG && $0.message.contains("/nonexistent nazar") })

        // Disk I/O: sda only (loop0 skipped, sda1 is a partition of a listed disk).
        #expect(Set(host.points(named: "diskio.reads").map { $0.series.labels["device"] }) == ["sda"])
        #expect(host.value("diskio.read_bytes", ["device": "sda"]) == Double(2000 * 512 / 10))
        #expect(host.value("diskio.write_bytes", ["device": "sda"]) == Double(1000 * 512 / 10))
        #expect(host.value("diskio.reads", ["device": "sda"]) == 10)
        #expect(host.value("diskio.writes", ["device": "sda"]) == 5)
        #expect(host.value("diskio.busy_percent", ["device": "sda"]) == 25)

        // Network: eth0 only; a restarted counter and a 32-bit wrap.
        let eth0 = ["interface": "eth0"]
        #expect(Set(host.points(named: "net.rx_bytes").map { $0.series.labels["interface"] }) == ["eth0"])
        #expect(host.value("net.rx_bytes", eth0) == 1000)
        #expect(host.value("net.rx_packets", eth0) == 10)
        #expect(host.value("net.rx_errors", eth0) == 0.2)
        #expect(host.value("net.rx_drops", eth0) == 0)
        #expect(host.value("net.tx_bytes", eth0) == 100)
        #expect(host.value("net.tx_packets", eth0) == 10)
        #expect(host.value("net.tx_errors", eth0) == 0)
        #expect(host.value("net.tx_drops", eth0) == 0.3)

        // Processes: pid 1 vanished, 777 is new (no CPU yet), tricky comms intact.
        #expect(host.value("procs.total") == 3)
        #expect(near(host.value("process.cpu_percent", ["process": "sd-pam", "pid": "42"]), 50))
        #expect(near(host.value("process.cpu_percent", ["process": "a) b (c", "pid": "4242"]), 10))
        #expect(host.points(named: "process.cpu_percent").count == 2)
        let rss = host.points(named: "process.rss_bytes")
        #expect(rss.map { $0.series.labels["pid"] } == ["4242", "42"])
        #expect(rss.first?.value == Double(5000 * UInt64(sysconf(Int32(_SC_PAGESIZE)))))

        // Every series was registered exactly once across the rounds.
        let (registrations, distinct) = host.state.withLock { ($0.registrations, $0.series.count) }
        #expect(registrations == distinct)
        #expect(!host.logs.contains { $0.level <= NAZAR_LOG_WARNING })
        inst.stopAndDestroy()
    }

    @Test func optionsTurnThingsOn() throws {
        let tree = FixtureTree()
        defer { tree.remove() }
        Self.writeRound1(tree)
        let host = FakeHost()
        let config = #"{"proc_root": "\#(tree.root)/", "per_core": false, "top_processes": 0, "#
            + #""include_loopback": true, "include_partitions": true, "include_tmpfs": true, "mounts_exclude": []}"#
        let inst = try CInstance.create(host, config: config).get()
        _ = inst.collect(Self.t0)
        Self.writeRound2(tree, hz: 100)
        #expect(inst.collect(Self.t1).code == NAZAR_OK)
        #expect(host.value("cpu.total") != nil)
        #expect(host.value("cpu.total", ["core": "0"]) == nil)
        #expect(host.points(named: "process.rss_bytes").isEmpty)
        #expect(host.value("procs.total") == 3)  // counted even without top-N
        #expect(host.value("net.rx_bytes", ["interface": "lo"]) == 100)
        #expect(host.value("diskio.reads", ["device": "sda1"]) == 9)
        // /proc is a pseudo filesystem whatever the excludes; /run is tmpfs, now wanted
        // (statvfs of the real /run may or may not exist on this machine).
        #expect(!host.points(named: "disk.total").contains { $0.series.labels["fstype"] == "proc" })
        inst.stopAndDestroy()
    }

    @Test func unreadableSourcesAreSkippedWithOneWarning() throws {
        let tree = FixtureTree()
        defer { tree.remove() }
        Self.writeRound1(tree)
        let host = FakeHost()
        let inst = try CInstance.create(host, config: #"{"proc_root": "\#(tree.root)"}"#).get()
        #expect(inst.collect(Self.t0).code == NAZAR_OK)
        tree.delete("meminfo")
        tree.write("loadavg", "garbage\n")
        for i in 1...3 {
            #expect(inst.collect(Self.t0 + Int64(i) * 10_000_000_000).code == NAZAR_OK)
        }
        #expect(host.value("mem.total") == nil)
        #expect(host.value("load.1") == nil)
        // The rest of the round went on (the fixture's counters stand still: rate 0).
        #expect(host.value("net.rx_bytes", ["interface": "eth0"]) == 0)
        #expect(host.value("swap.total") == nil)
        let warnings = host.logs.filter { $0.level == NAZAR_LOG_WARNING }
        #expect(warnings.count == 2, "\(warnings)")
        #expect(warnings.contains { $0.message.contains("\(tree.root)/meminfo") })
        #expect(warnings.contains { $0.message.contains("\(tree.root)/loadavg") && $0.message.contains("format") })

        Self.writeRound1(tree)
        #expect(inst.collect(Self.t0 + 50_000_000_000).code == NAZAR_OK)
        #expect(host.value("mem.total") != nil)
        #expect(host.logs.filter { $0.level == NAZAR_LOG_INFO && $0.message.contains("readable again") }.count == 2)

        // Without /proc/stat the round fails as transient (the host retries next time).
        tree.delete("stat")
        let failure = inst.collect(Self.t0 + 60_000_000_000)
        #expect(failure.code == NAZAR_RETRY)
        #expect(failure.message.contains("\(tree.root)/stat"))
        inst.stopAndDestroy()
    }

    @Test(arguments: [
        (#"{"per_cores": true}"#, "per_cores"),
        (#"{"top_processes": 1001}"#, "top_processes"),
        (#"{"top_processes": -1}"#, "top_processes"),
        (#"{"top_processes": "12"}"#, "top_processes"),
        (#"{"include_tmpfs": 1}"#, "include_tmpfs"),
        (#"{"mounts_exclude": "/run/*"}"#, "mounts_exclude"),
        (#"{"mounts_exclude": ["/a", 3]}"#, "mounts_exclude[1]"),
        (#"{"mounts_exclude": [""]}"#, "mounts_exclude[0]"),
        (#"{"proc_root": "proc"}"#, "proc_root"),
        (#"{"proc_root": "/nonexistent/nazar-proc"}"#, "proc_root"),
    ])
    func badConfigNamesTheKey(config: String, key: String) {
        let host = FakeHost()
        switch CInstance.create(host, config: config) {
        case .success(let inst):
            inst.plugin.pointee.destroy!(inst.instance)
            Issue.record("config \(config) was accepted")
        case .failure(let e):
            #expect(e.code == NAZAR_ERROR)
            #expect(e.message.contains("'\(key)'"), "\(e.message)")
        }
    }

    @Test func defaultConfig() throws {
        let c = try SystemConfig(PluginConfig(json: "{}"))
        #expect(c == SystemConfig())
        #expect(c.perCore && c.topProcesses == 12 && !c.includeLoopback && !c.includeTmpfs && !c.includePartitions)
        #expect(c.mountsExclude == ["/proc*", "/sys*", "/dev*", "/run/*"])
        #expect(c.procRoot == "/proc")
    }
}
