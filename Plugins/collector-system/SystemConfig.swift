import PluginKit

/// The instance's `[config]` table. Every key is optional; unknown keys are errors.
struct SystemConfig: Equatable {
    /// Also report cpu.* per core (label `core`).
    var perCore = true
    /// How many processes to report by CPU and by memory; 0 turns it off.
    var topProcesses = 12
    var includeLoopback = false
    var includeTmpfs = false
    var includePartitions = false
    /// Mount points not to report (globs or path prefixes, see `MountPattern`).
    var mountsExclude = ["/proc*", "/sys*", "/dev*", "/run/*"]
    /// Where procfs is mounted; tests point it at a fixture tree. The mount table is
    /// read from `<proc_root>/self/mounts`, but statvfs always sees the real mounts.
    var procRoot = "/proc"

    static let keys: Set<String> = [
        "per_core", "top_processes", "include_loopback", "include_tmpfs", "include_partitions",
        "mounts_exclude", "proc_root",
    ]

    init() {}

    init(_ config: PluginConfig) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        perCore = try config.bool("per_core", default: perCore)
        topProcesses = try config.int("top_processes", default: topProcesses, range: 0...1000)
        includeLoopback = try config.bool("include_loopback", default: includeLoopback)
        includeTmpfs = try config.bool("include_tmpfs", default: includeTmpfs)
        includePartitions = try config.bool("include_partitions", default: includePartitions)
        mountsExclude = try config.strings("mounts_exclude") ?? mountsExclude
        if let i = mountsExclude.firstIndex(where: \.isEmpty) {
            throw .config(key: "mounts_exclude[\(i)]", "empty pattern")
        }
        var root = try config.string("proc_root", default: procRoot)
        guard root.hasPrefix("/") else { throw .config(key: "proc_root", "'\(root)' is not an absolute path") }
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        procRoot = root
    }
}
