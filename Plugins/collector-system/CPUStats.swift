/// Cumulative CPU time of one CPU (or all of them) from a `cpu` line of /proc/stat,
/// in clock ticks. Guest time is not kept: the kernel already counts it in user/nice.
struct CPUTimes: Equatable {
    var user: UInt64 = 0
    var nice: UInt64 = 0
    var system: UInt64 = 0
    var idle: UInt64 = 0
    var iowait: UInt64 = 0
    var irq: UInt64 = 0
    var softirq: UInt64 = 0
    var steal: UInt64 = 0
}

/// What one read of /proc/stat yields.
struct ProcStat {
    /// Core number and times, in file order. Offline cores are absent, so numbers may
    /// have gaps.
    struct Core: Equatable {
        var core: Int
        var times: CPUTimes
    }

    var overall: CPUTimes?
    var cores: [Core] = []
    /// Context switches since boot (`ctxt`).
    var contextSwitches: UInt64?
    /// Processes and threads created since boot (`processes`).
    var forks: UInt64?
    /// Tasks currently runnable (`procs_running`) and blocked on I/O (`procs_blocked`).
    var procsRunning: UInt64?
    var procsBlocked: UInt64?

    /// Parses /proc/stat text, reusing this value's storage.
    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) {
        overall = nil
        cores.removeAll(keepingCapacity: true)
        contextSwitches = nil
        forks = nil
        procsRunning = nil
        procsBlocked = nil
        var s = ByteScanner(bytes)
        while !s.atEnd {
            let key = s.word()
            if s.hasPrefix(key, "cpu") {
                let times = Self.parseTimes(&s)
                if key.count == 3 {
                    overall = times
                } else if let n = s.uint64(in: key.lowerBound + 3..<key.upperBound) {
                    cores.append(Core(core: Int(n), times: times))
                }
            } else if s.equals(key, "ctxt") {
                contextSwitches = s.uint64()
            } else if s.equals(key, "processes") {
                forks = s.uint64()
            } else if s.equals(key, "procs_running") {
                procsRunning = s.uint64()
            } else if s.equals(key, "procs_blocked") {
                procsBlocked = s.uint64()
            }
            s.nextLine()
        }
    }

    /// Fields absent on old kernels (iowait before 2.5.41, steal before 2.6.11) read as 0.
    private static func parseTimes(_ s: inout ByteScanner) -> CPUTimes {
        var t = CPUTimes()
        t.user = s.uint64() ?? 0
        t.nice = s.uint64() ?? 0
        t.system = s.uint64() ?? 0
        t.idle = s.uint64() ?? 0
        t.iowait = s.uint64() ?? 0
        t.irq = s.uint64() ?? 0
        t.softirq = s.uint64() ?? 0
        t.steal = s.uint64() ?? 0
        return t
    }
}

/// How one CPU's time was spent between two samples, in percent of the elapsed CPU time.
///
/// With Δ the per-field difference between the samples:
/// - total time = user + nice + system + idle + iowait + irq + softirq + steal
/// - `total`  (cpu.total)  = user + nice + system + irq + softirq + steal: busy time.
///   iowait is idle time (the CPU had nothing to run while tasks waited for I/O), so it
///   is not busy.
/// - `user`   (cpu.user)   = user + nice
/// - `system` (cpu.system) = system + irq + softirq
/// - `iowait` (cpu.iowait) = iowait
/// - `steal`  (cpu.steal)  = steal (time the hypervisor ran something else)
///
/// So user + system + steal = total, and total + iowait ≤ 100.
struct CPUPercent: Equatable {
    var total: Double
    var user: Double
    var system: Double
    var iowait: Double
    var steal: Double

    /// Nil when no tick elapsed between the samples (nothing to divide by).
    init?(from old: CPUTimes, to new: CPUTimes) {
        // Per-field deltas saturate at 0: iowait is known to go backwards on NO_HZ
        // kernels, and a negative share would make no sense.
        func d(_ a: UInt64, _ b: UInt64) -> Double { b > a ? Double(b - a) : 0 }
        let user = d(old.user, new.user) + d(old.nice, new.nice)
        let system = d(old.system, new.system) + d(old.irq, new.irq) + d(old.softirq, new.softirq)
        let steal = d(old.steal, new.steal)
        let iowait = d(old.iowait, new.iowait)
        let all = user + system + steal + iowait + d(old.idle, new.idle)
        guard all > 0 else { return nil }
        // Clamped: a fully busy CPU must read 100, not 100.00000000000001 from rounding.
        let scale = 100 / all
        func pct(_ x: Double) -> Double { min(100, x * scale) }
        self.user = pct(user)
        self.system = pct(system)
        self.steal = pct(steal)
        self.iowait = pct(iowait)
        self.total = pct(user + system + steal)
    }

    init(total: Double, user: Double, system: Double, iowait: Double, steal: Double) {
        self.total = total
        self.user = user
        self.system = system
        self.iowait = iowait
        self.steal = steal
    }
}

/// The CPU metrics of /proc/stat: percentages (overall and per core), context-switch
/// and fork rates, runnable and blocked task counts.
struct CPUSource {
    enum Metric: Int, MetricFamily {
        case total, user, system, iowait, steal
        var name: String {
            switch self {
            case .total: "cpu.total"
            case .user: "cpu.user"
            case .system: "cpu.system"
            case .iowait: "cpu.iowait"
            case .steal: "cpu.steal"
            }
        }
    }

    /// Entity -1 is the whole machine (no label); n >= 0 is core n.
    private var series = SeriesCache<Int, Metric>()
    private var current = ProcStat()
    private var previous = ProcStat()
    private var hasPrevious = false
    let perCore: Bool

    init(perCore: Bool) { self.perCore = perCore }

    /// Parses /proc/stat and appends the CPU percentages (from the second round on).
    /// Returns the parsed sample for the scalar counters.
    mutating func collect(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout RoundOutput) -> ProcStat {
        current.parse(bytes)
        if hasPrevious {
            if let old = previous.overall, let new = current.overall, let p = CPUPercent(from: old, to: new) {
                append(p, entity: -1, into: &out)
            }
            if perCore {
                for (i, core) in current.cores.enumerated() {
                    // Cores keep their order between reads unless one went offline, so
                    // look at the same index first.
                    let old: CPUTimes?
                    if i < previous.cores.count, previous.cores[i].core == core.core {
                        old = previous.cores[i].times
                    } else {
                        old = previous.cores.first { $0.core == core.core }?.times
                    }
                    if let old, let p = CPUPercent(from: old, to: core.times) {
                        append(p, entity: core.core, into: &out)
                    }
                }
            }
            series.endRound()
        }
        swap(&current, &previous)
        hasPrevious = true
        return previous
    }

    private mutating func append(_ p: CPUPercent, entity: Int, into out: inout RoundOutput) {
        let labels: () -> [(String, String)] = { entity < 0 ? [] : [("core", String(entity))] }
        series.append(entity, .total, p.total, labels: labels, to: &out)
        series.append(entity, .user, p.user, labels: labels, to: &out)
        series.append(entity, .system, p.system, labels: labels, to: &out)
        series.append(entity, .iowait, p.iowait, labels: labels, to: &out)
        series.append(entity, .steal, p.steal, labels: labels, to: &out)
    }
}
