@testable import CollectorSystem
import Testing

@Suite("Parsers")
struct ParserTests {
    static let procStat = """
        cpu  1000 100 500 8000 200 50 50 100 7 0
        cpu0 500 50 250 4000 100 25 25 50 3 0
        cpu1 500 50 250 4000 100 25 25 50 4 0
        intr 137068 0 0 0 0 0 0 0
        ctxt 269679
        btime 1700000000
        processes 5266
        procs_running 2
        procs_blocked 1
        softirq 55012 0 14066 3 5342 0 0 1 17846 0 17754

        """

    @Test func procStat() {
        var stat = ProcStat()
        withBytes(of: Self.procStat) { stat.parse($0) }
        #expect(stat.overall == CPUTimes(user: 1000, nice: 100, system: 500, idle: 8000, iowait: 200,
                                         irq: 50, softirq: 50, steal: 100))
        #expect(stat.cores.map(\.core) == [0, 1])
        #expect(stat.cores[1].times.idle == 4000)
        #expect(stat.contextSwitches == 269_679)
        #expect(stat.forks == 5266)
        #expect(stat.procsRunning == 2)
        #expect(stat.procsBlocked == 1)
    }

    @Test func procStatOfOldKernelAndOfflineCore() {
        // 2.6.0-era lines (no steal, no guest) and cpu1 offline.
        var stat = ProcStat()
        withBytes(of: "cpu 10 0 5 100 1 0 0\ncpu0 5 0 2 50 1 0 0\ncpu2 5 0 3 50 0 0 0\nctxt 9\n") { stat.parse($0) }
        #expect(stat.overall?.steal == 0)
        #expect(stat.overall?.iowait == 1)
        #expect(stat.cores.map(\.core) == [0, 2])
        #expect(stat.forks == nil)
        // Parsing again reuses the value and forgets the old sample.
        withBytes(of: "cpu 1 2 3 4 5 6 7 8\n") { stat.parse($0) }
        #expect(stat.cores.isEmpty)
        #expect(stat.contextSwitches == nil)
    }

    @Test func cpuPercentBetweenTwoSamples() throws {
        let old = CPUTimes(user: 1000, nice: 100, system: 500, idle: 8000, iowait: 200, irq: 50, softirq: 50, steal: 100)
        // Δ user 150 nice 50 system 80 irq 10 softirq 10 steal 50 iowait 50 idle 600 = 1000 ticks
        let new = CPUTimes(user: 1150, nice: 150, system: 580, idle: 8600, iowait: 250, irq: 60, softirq: 60, steal: 150)
        let p = try #require(CPUPercent(from: old, to: new))
        #expect(p.user == 20)
        #expect(p.system == 10)
        #expect(p.steal == 5)
        #expect(p.iowait == 5)
        #expect(p.total == 35)
        #expect(abs(p.user + p.system + p.steal - p.total) < 1e-9)
    }

    @Test func cpuPercentEdgeCases() throws {
        let t = CPUTimes(user: 10, nice: 0, system: 10, idle: 100, iowait: 10, irq: 0, softirq: 0, steal: 0)
        #expect(CPUPercent(from: t, to: t) == nil)  // no tick elapsed
        var back = t
        back.iowait = 5  // iowait going backwards (NO_HZ) counts as 0, not negative
        back.idle = 110
        let p = try #require(CPUPercent(from: t, to: back))
        #expect(p.iowait == 0)
        #expect(p.total == 0)
    }

    @Test func memInfo() throws {
        let text = """
            MemTotal:       16000000 kB
            MemFree:         2000000 kB
            MemAvailable:    8000000 kB
            Buffers:          100000 kB
            Cached:          4000000 kB
            SwapCached:            0 kB
            SwapTotal:       2000000 kB
            SwapFree:        1500000 kB
            HugePages_Total:       0
            Hugepagesize:       2048 kB

            """
        let m = try #require(withBytes(of: text, MemInfo.parse))
        #expect(m.total == 16_000_000 * 1024)
        #expect(m.availableBytes == 8_000_000 * 1024)
        #expect(m.usedBytes == 8_000_000 * 1024)
        #expect(m.usedPercent == 50)
        #expect(m.cached == 4_000_000 * 1024)
        #expect(m.buffers == 100_000 * 1024)
        #expect(m.swapUsedBytes == 500_000 * 1024)
        #expect(m.swapUsedPercent == 25)
    }

    @Test func memInfoWithoutSwapOrMemAvailable() throws {
        let m = try #require(withBytes(of: """
            MemTotal: 1000 kB
            MemFree: 100 kB
            Buffers: 50 kB
            Cached: 250 kB
            SwapTotal: 0 kB
            SwapFree: 0 kB
            """, MemInfo.parse))
        #expect(m.availableBytes == 400 * 1024)  // free + buffers + cached on pre-3.14 kernels
        #expect(m.usedPercent == 60)
        #expect(m.swapUsedPercent == 0)
        #expect(!m.swapUsedPercent.isNaN)
        #expect(withBytes(of: "not meminfo\n", MemInfo.parse) == nil)
    }

    @Test func loadAvgAndFileNr() throws {
        let l = try #require(withBytes(of: "0.52 10.40 0.05 3/250 12345\n", LoadAvg.parse))
        #expect(l == LoadAvg(one: 0.52, five: 10.40, fifteen: 0.05, runnable: 3, threads: 250))
        #expect(withBytes(of: "garbage\n", LoadAvg.parse) == nil)
        let f = try #require(withBytes(of: "1024\t0\t9223372036854775807\n", FileNr.parse))
        #expect(f == FileNr(open: 1024, max: 9_223_372_036_854_775_807))
        #expect(withBytes(of: "1\n", FileNr.parse) == nil)
    }

    @Test func netDev() {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
              eth0: 15480089     397    2    3    0     0          0         0    20902     251    4    5    0     0       0          0
            wlan0:1234567890 10 0 0 0 0 0 0 99 1 0 0 0 0 0 0

            """
        var stats: [NetDevStat] = []
        withBytes(of: text) { NetDevStat.parse($0, into: &stats) }
        #expect(stats.map(\.interface) == ["lo", "eth0", "wlan0"])
        #expect(stats[1] == NetDevStat(interface: "eth0", rxBytes: 15_480_089, rxPackets: 397, rxErrors: 2, rxDrops: 3,
                                       txBytes: 20902, txPackets: 251, txErrors: 4, txDrops: 5))
        #expect(stats[2].rxBytes == 1_234_567_890)  // old kernels: no space after the colon
        #expect(stats[2].txBytes == 99)
    }

    @Test func diskStats() {
        let text = """
               7       0 loop0 10 0 80 0 0 0 0 0 0 1 0
               8       0 sda 29165 7069 3569730 8063 7366 15088 1116152 2836 0 4304 11078 1746 0 235752 138 1001 39
               8       1 sda1 29000 7000 3500000 8000 7300 15000 1100000 2800 0 4300 11000
             254       0 vda 1 2 3 4 5 6 7 8 9 10 11
             short line 1 2

            """
        var stats: [DiskStat] = []
        withBytes(of: text) { DiskStat.parse($0, into: &stats) }
        #expect(stats.map(\.name) == ["loop0", "sda", "sda1", "vda"])
        #expect(stats[1] == DiskStat(name: "sda", reads: 29165, sectorsRead: 3_569_730, writes: 7366,
                                     sectorsWritten: 1_116_152, ioTicks: 4304))
        #expect(stats[3] == DiskStat(name: "vda", reads: 1, sectorsRead: 3, writes: 5, sectorsWritten: 7, ioTicks: 10))
    }

    @Test(arguments: [
        ("(sd-pam)", "sd-pam"),
        ("(a) b (c)", "a) b (c"),
        ("(systemd)", "systemd"),
        ("(kworker/0:1-events)", "kworker/0:1-events"),
        ("(x) S 1 2 3 ()", "x) S 1 2 3 ("),
        ("(()", "("),
        ("( )", " "),
    ])
    func pidStat(field: String, comm: String) throws {
        let pid = 4242
        let line = "\(pid) \(field) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 50 0 0 20 -2 3 0 98765 12345678 321 "
            + "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"
        let s = try #require(withBytes(of: line, PidStat.parse))
        #expect(s == PidStat(pid: 4242, comm: comm, cpuTicks: 200, startTime: 98765, rssPages: 321))
    }

    @Test(arguments: ["", "42", "42 sd-pam S 1", "42 (truncated", "42 (x) S 1 2 3", "x (y) S"])
    func malformedPidStat(line: String) {
        #expect(withBytes(of: line, PidStat.parse) == nil)
    }

    @Test func scannerNumbers() {
        withBytes(of: "  18446744073709551615 99999999999999999999999 1.5 x\n7") { bytes in
            var s = ByteScanner(bytes)
            #expect(s.uint64() == UInt64.max)
            #expect(s.uint64() == UInt64.max)  // saturates
            #expect(s.decimal() == 1.5)
            #expect(s.uint64() == nil)
            #expect(s.string(s.word()) == "x")
            #expect(s.uint64() == nil)  // does not cross the newline
            s.nextLine()
            #expect(s.uint64() == 7)
            #expect(s.atEnd)
        }
    }
}
