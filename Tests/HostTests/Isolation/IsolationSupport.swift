import Foundation
@testable import Host

/// The crashy fixture as a collector, detector and notifier, compiled into a test setup.
extension TestSetup {
    func compileCrashy() throws {
        try CPlugin.compile(CPlugin.fixture("crashy.c"), to: "\(dir)/lib/crashy.so")
        try CPlugin.compile(CPlugin.fixture("crashy.c"), to: "\(dir)/lib/crashy-detector.so", defines: ["CRASHY_DETECTOR"])
        try CPlugin.compile(CPlugin.fixture("crashy.c"), to: "\(dir)/lib/crashy-notifier.so", defines: ["CRASHY_NOTIFIER"])
    }

    /// plugins.d/crashy.toml: an isolated instance "crashy" of `plugin` that does `crash`
    /// on its `onCall`th work call (only once across restarts when `once`); its detector
    /// or notifier output goes to crashy.out. `extra` lines go before [config].
    func crashy(_ plugin: String = "crashy", crash: String, onCall: Int = 1, once: Bool = true, extra: String = "") throws {
        try self.plugin("crashy", """
            plugin = "\(plugin)"
            interval = "100ms"
            isolation = "process"
            \(extra)
            [config]
            crash = "\(crash)"
            on_call = \(onCall)
            \(once ? "once_file = \"\(dir)/misbehaved-once\"" : "")
            out = "\(dir)/crashy.out"
            """)
    }
}

extension PluginInstance {
    /// The pid of an isolated instance's current child, nil when none runs.
    var childPID: pid_t? { (entryPoints as? IsolatedEntryPoints)?.childPID }
}

/// Descriptors this process has open.
/// Descriptors this process has open on SOCK_SEQPACKET unix sockets: the plugin host
/// socketpairs, which no other test opens (so the count is exact while tests run in parallel).
func pluginHostSocketCount() -> Int {
    let table = (try? String(contentsOfFile: "/proc/net/unix", encoding: .utf8)) ?? ""
    // Columns: Num RefCount Protocol Flags Type St Inode [Path]; Type 0005 is SEQPACKET.
    let inodes = Set(table.split(separator: "\n").dropFirst().compactMap { line -> String? in
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        return f.count >= 7 && f[4] == "0005" ? String(f[6]) : nil
    })
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return fds.filter { fd in
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"),
              target.hasPrefix("socket:[") else { return false }
        return inodes.contains(String(target.dropFirst(8).dropLast()))
    }.count
}

/// Children of this process that have exited but not been reaped.
func zombieChildren() -> [pid_t] {
    let me = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
        guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After "comm)": " state ppid ..."
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, fields[0] == "Z", pid_t(fields[1]) == me else { return nil }
        return pid
    }
}

/// Whether a process with this pid exists (zombies included).
func processExists(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }
