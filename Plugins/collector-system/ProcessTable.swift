#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the collector reads from one /proc/[pid]/stat.
struct PidStat: Equatable {
    var pid: Int32
    /// The command name. Set by the process itself, so it may contain spaces and
    /// parentheses; kernel workers' names can exceed the usual 15 bytes.
    var comm: String
    /// utime + stime, in clock ticks.
    var cpuTicks: UInt64
    /// Start time after boot in clock ticks; tells a reused pid from the old process.
    var startTime: UInt64
    /// Resident set size in pages.
    var rssPages: UInt64

    /// Parses "pid (comm) state ppid ... utime stime ... starttime vsize rss ...".
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> PidStat? {
        parse(bytes) { ByteScanner(bytes).string($1) }
    }

    /// Like `parse(_:)`, with the comm made by `comm` from the pid and the comm's byte range, so the caller
    /// can reuse last round's String instead of allocating one per process per round.
    ///
    /// The comm runs from the first '(' to the *last* ')': a process named "a) b (c" is
    /// printed as "(a) b (c)", and only the last ')' is certainly the closing one.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, comm: (Int32, Range<Int>) -> String) -> PidStat? {
        var s = ByteScanner(bytes)
        guard let pid = s.uint64(), pid <= UInt64(Int32.max) else { return nil }
        s.skipBlanks()
        guard s.skip(UInt8(ascii: "(")) else { return nil }
        let commStart = s.position
        var close = bytes.count - 1
        while close >= commStart, bytes[close] != UInt8(ascii: ")") { close -= 1 }
        guard close >= commStart else { return nil }
        s.position = close + 1
        // Fields after the comm, numbered as in proc(5): 3 state ... 13 cmajflt,
        // 14 utime, 15 stime, 16..21, 22 starttime, 23 vsize, 24 rss.
        s.skipWords(11)
        guard let utime = s.uint64(), let stime = s.uint64() else { return nil }
        s.skipWords(6)
        guard let startTime = s.uint64() else { return nil }
        s.skipWords(1)
        guard let rss = s.uint64() else { return nil }
        return PidStat(pid: Int32(pid), comm: comm(Int32(pid), commStart..<close), cpuTicks: utime &+ stime,
                       startTime: startTime, rssPages: rss)
    }
}

/// One process as seen in a round.
struct ProcessSample: Equatable {
    var pid: Int32
    var comm: String
    /// Percent of one CPU since the previous round; nil in a process's first round.
    var cpuPercent: Double?
    var rssBytes: UInt64
}

/// Walks /proc once per round: counts processes and, when top-N reporting is on, reads
/// every process's stat to rank them by CPU and memory.
struct ProcessTable {
    private struct Previous {
        var cpuTicks: UInt64
        var startTime: UInt64
        var time: Int64
        var comm: String
    }

    /// Last round's CPU ticks per pid, and this round's being built; swapped each round,
    /// so exited pids are dropped and the tables' storage is reused.
    private var previous: [Int32: Previous] = [:]
    private var current: [Int32: Previous] = [:]
    /// This round's processes (reused storage).
    private(set) var samples: [ProcessSample] = []
    /// errno of the last `scan` that could not open the directory.
    private(set) var openError: Int32 = 0
    /// Path buffer for "<pid>/stat", opened relative to the /proc directory.
    private var path = [CChar](repeating: 0, count: 64)
    let ticksPerSecond: Double
    let pageSize: UInt64

    init() {
        let hz = sysconf(Int32(_SC_CLK_TCK))
        ticksPerSecond = hz > 0 ? Double(hz) : 100
        let page = sysconf(Int32(_SC_PAGESIZE))
        pageSize = page > 0 ? UInt64(page) : 4096
    }

    /// Lists `procRoot`. Returns the number of processes, or nil (with `openError`) if
    /// the directory cannot be opened. With `readStats`, also fills `samples`.
    ///
    /// A process may exit between the listing and the read of its stat; it is then
    /// silently left out (and not counted), which is the right answer for that moment.
    mutating func scan(procRoot: String, readStats: Bool, reader: ProcFile, now: Int64) -> Int? {
        guard let dir = procRoot.withCString(opendir) else {
            openError = errno
            return nil
        }
        defer { closedir(dir) }
        let dirFD = dirfd(dir)
        beginRound()
        defer { endRound() }
        var count = 0
        while let entry = readdir(dir) {
            let nameLength = withUnsafeBytes(of: &entry.pointee.d_name) { raw -> Int in
                var n = 0
                while n < raw.count, raw[n] != 0 {
                    guard raw[n] >= 0x30, raw[n] <= 0x39 else { return 0 }
                    n += 1
                }
                return n
            }
            // Only all-digit names are processes. pid_max is at most 2^22 (7 digits);
            // the bound keeps the path within its buffer whatever readdir returns.
            guard nameLength > 0, nameLength < 11 else { continue }
            guard readStats else {
                count += 1
                continue
            }
            let opened = path.withUnsafeMutableBufferPointer { p -> Bool in
                withUnsafeBytes(of: &entry.pointee.d_name) { name in
                    for i in 0..<nameLength { p[i] = CChar(bitPattern: name[i]) }
                }
                var i = nameLength
                for c in "/stat".utf8 { p[i] = CChar(bitPattern: c); i += 1 }
                p[i] = 0
                return reader.load(at: dirFD, p.baseAddress!)
            }
            guard opened, let stat = reader.withBytes({ bytes in
                PidStat.parse(bytes) { pid, range in
                    if let old = previous[pid]?.comm, old.utf8.elementsEqual(UnsafeBufferPointer(rebasing: bytes[range])) {
                        return old
                    }
                    return ByteScanner(bytes).string(range)
                }
            }) else { continue }
            count += 1
            record(stat, now: now)
        }
        return count
    }

    /// Starts a round: `scan` does this, tests call it to feed parsed stats to `record`.
    mutating func beginRound() {
        samples.removeAll(keepingCapacity: true)
        current.removeAll(keepingCapacity: true)
    }

    /// Adds one process to this round, with its CPU share since its previous sample.
    mutating func record(_ stat: PidStat, now: Int64) {
        var cpu: Double?
        if let old = previous[stat.pid], old.startTime == stat.startTime, now > old.time {
            let ticks = stat.cpuTicks >= old.cpuTicks ? stat.cpuTicks - old.cpuTicks : 0
            cpu = Double(ticks) / ticksPerSecond / (Double(now - old.time) / 1e9) * 100
        }
        current[stat.pid] = Previous(cpuTicks: stat.cpuTicks, startTime: stat.startTime, time: now, comm: stat.comm)
        samples.append(ProcessSample(pid: stat.pid, comm: stat.comm, cpuPercent: cpu,
                                     rssBytes: stat.rssPages &* pageSize))
    }

    /// Ends a round: this round's pids become the ones the next round compares with,
    /// and pids not seen in it are forgotten. `samples` stay readable until the next round.
    mutating func endRound() {
        swap(&previous, &current)
    }

    /// Indices into `samples` of the `n` largest values of `value`, largest first,
    /// ties by lower pid (so the choice is stable between rounds). Values of 0 or nil
    /// are never "top": an idle system should not report n arbitrary idle processes.
    static func top(_ samples: [ProcessSample], n: Int, by value: (ProcessSample) -> Double?,
                    into indices: inout [Int]) {
        indices.removeAll(keepingCapacity: true)
        guard n > 0 else { return }
        for i in samples.indices {
            if let v = value(samples[i]), v > 0 { indices.append(i) }
        }
        indices.sort { a, b in
            let va = value(samples[a]) ?? 0, vb = value(samples[b]) ?? 0
            return va != vb ? va > vb : samples[a].pid < samples[b].pid
        }
        if indices.count > n { indices.removeSubrange(n...) }
    }
}

/// The process.* metrics (top-N by CPU and by memory) and procs.total.
struct ProcessSource {
    enum Metric: Int, MetricFamily {
        case cpuPercent, rssBytes
        var name: String {
            switch self {
            case .cpuPercent: "process.cpu_percent"
            case .rssBytes: "process.rss_bytes"
            }
        }
    }

    private struct Key: Hashable {
        var pid: Int32
        var comm: String
    }

    let topN: Int
    let procRoot: String
    private var table = ProcessTable()
    /// Processes drift in and out of the top N; keeping their ids for a while saves
    /// re-registering them each time, and the limit still bounds the cache.
    private var series = SeriesCache<Key, Metric>(idleRounds: 30)
    private var indices: [Int] = []

    init(topN: Int, procRoot: String) {
        self.topN = topN
        self.procRoot = procRoot
    }

    /// errno of the last failed listing of `procRoot`.
    var openError: Int32 { table.openError }

    /// Appends the top-N points; returns the process count (nil if /proc cannot be listed).
    mutating func collect(reader: ProcFile, into out: inout RoundOutput) -> Int? {
        guard let count = table.scan(procRoot: procRoot, readStats: topN > 0, reader: reader, now: out.now) else {
            return nil
        }
        guard topN > 0 else { return count }
        ProcessTable.top(table.samples, n: topN, by: { $0.cpuPercent }, into: &indices)
        for i in indices {
            let p = table.samples[i]
            series.append(Key(pid: p.pid, comm: p.comm), .cpuPercent, p.cpuPercent ?? 0,
                          labels: { [("process", p.comm), ("pid", String(p.pid))] }, to: &out)
        }
        ProcessTable.top(table.samples, n: topN, by: { Double($0.rssBytes) }, into: &indices)
        for i in indices {
            let p = table.samples[i]
            series.append(Key(pid: p.pid, comm: p.comm), .rssBytes, Double(p.rssBytes),
                          labels: { [("process", p.comm), ("pid", String(p.pid))] }, to: &out)
        }
        series.endRound()
        return count
    }
}
