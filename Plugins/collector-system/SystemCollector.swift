import PluginKit

/// The collector-system plugin: CPU, load, memory, disk space, disk I/O, network and
/// process metrics of the machine, read from /proc and statvfs(3) once per round.
///
/// One round reads each source file into a shared buffer, parses it in place and
/// appends points (all stamped with the round's `now`) to one reused writer, which is
/// published once at the end. Only /proc/stat is essential: without it the round
/// fails as transient; any other unreadable source is skipped with a rate-limited
/// warning and the round goes on.
struct SystemCollector: Collector {
    static let info = PluginInfo(
        name: "collector-system", version: "0.1.0",
        description: "CPU, memory, disk, network and process metrics from /proc")

    /// The source files, resolved against `proc_root` once.
    struct Paths {
        let stat, loadavg, meminfo, fileNr, mounts, diskstats, netDev, root: String

        init(root: String) {
            self.root = root
            stat = root + "/stat"
            loadavg = root + "/loadavg"
            meminfo = root + "/meminfo"
            fileNr = root + "/sys/fs/file-nr"
            mounts = root + "/self/mounts"
            diskstats = root + "/diskstats"
            netDev = root + "/net/dev"
        }
    }

    let host: PluginHost
    let config: SystemConfig
    let paths: Paths
    private let reader = ProcFile()
    private var output: RoundOutput
    private var warnings = Warnings()
    private var scalars = Scalars()
    private var cpu: CPUSource
    private var diskSpace: DiskSpaceSource
    private var diskStats: DiskStatsSource
    private var netDev: NetDevSource
    private var processes: ProcessSource

    init(config: PluginConfig, host: PluginHost) throws(PluginError) {
        try self.init(SystemConfig(config), host: host)
    }

    init(_ config: SystemConfig, host: PluginHost) throws(PluginError) {
        self.host = host
        self.config = config
        paths = Paths(root: config.procRoot)
        // A proc_root without a stat file is a typo, not a transient condition.
        guard reader.load(paths.stat) else {
            throw .config(key: "proc_root", "cannot read \(paths.stat): \(errorText(reader.lastError))")
        }
        output = RoundOutput(host: host)
        cpu = CPUSource(perCore: config.perCore)
        diskSpace = DiskSpaceSource(includeTmpfs: config.includeTmpfs,
                                    exclude: config.mountsExclude.map(MountPattern.init))
        diskStats = DiskStatsSource(includePartitions: config.includePartitions)
        netDev = NetDevSource(includeLoopback: config.includeLoopback)
        processes = ProcessSource(topN: config.topProcesses, procRoot: config.procRoot)
    }

    mutating func collect(now: Int64) throws(PluginError) {
        output.now = now
        output.writer.removeAll()
        guard reader.load(paths.stat) else {
            throw .transient("cannot read \(paths.stat): \(errorText(reader.lastError))")
        }
        let stat = reader.withBytes { cpu.collect($0, into: &output) }
        if let v = stat.contextSwitches { scalars.appendRate(.contextSwitches, counter: v, to: &output) }
        if let v = stat.forks { scalars.appendRate(.forks, counter: v, to: &output) }
        if let v = stat.procsRunning { scalars.append(.procsRunning, Double(v), to: &output) }
        if let v = stat.procsBlocked { scalars.append(.procsBlocked, Double(v), to: &output) }

        if let avg = load(paths.loadavg, LoadAvg.parse) {
            scalars.append(.load1, avg.one, to: &output)
            scalars.append(.load5, avg.five, to: &output)
            scalars.append(.load15, avg.fifteen, to: &output)
            scalars.append(.threadsTotal, Double(avg.threads), to: &output)
        }
        if let mem = load(paths.meminfo, MemInfo.parse) {
            mem.append(to: &scalars, &output)
        }
        if let files = load(paths.fileNr, FileNr.parse) {
            scalars.append(.filesOpen, Double(files.open), to: &output)
            scalars.append(.filesMax, Double(files.max), to: &output)
        }
        if read(paths.mounts) {
            diskSpace.collect(table: reader, into: &output)
        }
        if read(paths.diskstats) {
            reader.withBytes { diskStats.collect($0, into: &output) }
        }
        if read(paths.netDev) {
            reader.withBytes { netDev.collect($0, into: &output) }
        }
        if let count = processes.collect(reader: reader, into: &output) {
            warnings.succeeded(paths.root, host: host)
            scalars.append(.procsTotal, Double(count), to: &output)
        } else {
            warnings.failed(paths.root, errno: processes.openError, now: now, host: host)
        }
        host.publish(&output.writer)
    }

    /// Reads `path` into the shared buffer; on failure, warns (rate-limited) and
    /// returns false so the round skips that source. Sources whose lines are parsed
    /// one by one have no "malformed" state: a line that does not parse is skipped.
    private mutating func read(_ path: String) -> Bool {
        guard reader.load(path) else {
            warnings.failed(path, errno: reader.lastError, now: output.now, host: host)
            return false
        }
        warnings.succeeded(path, host: host)
        return true
    }

    /// Reads and parses a single-record source; nil (with a rate-limited warning) when
    /// it cannot be read or is not in the expected format.
    private mutating func load<T>(_ path: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
        guard reader.load(path) else {
            warnings.failed(path, errno: reader.lastError, now: output.now, host: host)
            return nil
        }
        guard let value = reader.withBytes(parse) else {
            warnings.failed(path, reason: "unexpected format", now: output.now, host: host)
            return nil
        }
        warnings.succeeded(path, host: host)
        return value
    }
}

@_cdecl("nazar_plugin_entry")
public func nazarPluginEntry() -> UnsafeRawPointer { PluginExport.collector(SystemCollector.self) }
