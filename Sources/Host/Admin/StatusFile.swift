import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's state as `nazarctl status` and `nazarctl plugins list` read it: a small
/// JSON file in the runtime directory, replaced atomically whenever something changes and
/// on every self-metrics tick, so a reader never sees half a file.
public struct DaemonStatus: Sendable, Equatable {
    public struct Instance: Sendable, Equatable {
        public var name: String
        public var plugin: String
        public var kind: String
        public var state: String
        public var pointsPublished: UInt64
        public var pointsDelivered: UInt64
        public var dropped: UInt64

        public init(name: String, plugin: String, kind: String, state: String,
                    pointsPublished: UInt64 = 0, pointsDelivered: UInt64 = 0, dropped: UInt64 = 0) {
            self.name = name
            self.plugin = plugin
            self.kind = kind
            self.state = state
            self.pointsPublished = pointsPublished
            self.pointsDelivered = pointsDelivered
            self.dropped = dropped
        }
    }

    public var pid: Int32
    /// "running", "reloading" or "stopping".
    public var phase: String
    public var configPath: String
    public var summary: String
    /// When this status was written, ns since the epoch.
    public var updatedAt: Int64
    public var instances: [Instance]

    public init(pid: Int32, phase: String, configPath: String, summary: String, updatedAt: Int64, instances: [Instance]) {
        self.pid = pid
        self.phase = phase
        self.configPath = configPath
        self.summary = summary
        self.updatedAt = updatedAt
        self.instances = instances
    }

    var json: JSONValue {
        .object([
            ("pid", .number(Double(pid))), ("phase", .string(phase)), ("config", .string(configPath)),
            ("summary", .string(summary)), ("updated_at_ns", .number(Double(updatedAt))),
            ("instances", .array(instances.map { i in
                .object([
                    ("name", .string(i.name)), ("plugin", .string(i.plugin)), ("kind", .string(i.kind)),
                    ("state", .string(i.state)), ("points_published", .number(Double(i.pointsPublished))),
                    ("points_delivered", .number(Double(i.pointsDelivered))), ("dropped", .number(Double(i.dropped))),
                ])
            })),
        ])
    }

    init?(json: JSONValue) {
        func str(_ v: JSONValue?, _ k: String) -> String? { if case let .string(s)? = v?[k] { return s } else { return nil } }
        func num(_ v: JSONValue?, _ k: String) -> Double? { if case let .number(n)? = v?[k] { return n } else { return nil } }
        guard let pid = num(json, "pid"), let phase = str(json, "phase"), let config = str(json, "config"),
              let summary = str(json, "summary"), let updated = num(json, "updated_at_ns"),
              case let .array(items)? = json["instances"] else { return nil }
        var instances: [Instance] = []
        for item in items {
            guard let name = str(item, "name"), let state = str(item, "state") else { return nil }
            instances.append(Instance(name: name, plugin: str(item, "plugin") ?? "", kind: str(item, "kind") ?? "", state: state,
                                      pointsPublished: UInt64(num(item, "points_published") ?? 0),
                                      pointsDelivered: UInt64(num(item, "points_delivered") ?? 0),
                                      dropped: UInt64(num(item, "dropped") ?? 0)))
        }
        self.init(pid: Int32(pid), phase: phase, configPath: config, summary: summary, updatedAt: Int64(updated), instances: instances)
    }
}

/// Reads and writes the status and pid files in a runtime directory.
public struct StatusFile: Sendable {
    public let directory: String
    public var statusPath: String { "\(directory)/status.json" }
    public var pidPath: String { "\(directory)/nazard.pid" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(directory: String) { self.directory = directory }

    /// `$RUNTIME_DIRECTORY` (set by systemd's `RuntimeDirectory=`), else /run/nazar.
    public static var defaultDirectory: String {
        if let env = getenv("RUNTIME_DIRECTORY"), let first = String(cString: env).split(separator: ":").first {
            return String(first)
        }
        return "/run/nazar"
    }

    public func write(_ status: DaemonStatus) throws(Failure) {
        try writeAtomically(statusPath, JSONEscaping.encode(status.json) + "\n")
    }

    public func writePID(_ pid: Int32) throws(Failure) {
        try writeAtomically(pidPath, "\(pid)\n")
    }

    public func removeFiles() {
        unlink(statusPath)
        unlink(pidPath)
    }

    public func read() throws(Failure) -> DaemonStatus {
        let text = try readSmall(statusPath)
        guard let json = try? JSONValue.parse(text), let status = DaemonStatus(json: json) else {
            throw Failure(description: "\(statusPath): not a nazard status file")
        }
        return status
    }

    /// The pid in the pid file if that process is alive.
    public func runningPID() -> Int32? {
        guard let text = try? readSmall(pidPath), let pid = Int32(text.trimmed), pid > 0 else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }

    private func writeAtomically(_ path: String, _ text: String) throws(Failure) {
        let tmp = "\(path).tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot write \(tmp): \(String(cString: strerror(errno)))") }
        var ok = true
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, base + off, raw.count - off)
                if n <= 0 { ok = false; break }
                off += n
            }
        }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func readSmall(_ path: String) throws(Failure) -> String {
        guard let f = fopen(path, "r") else { throw Failure(description: "\(path): \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 8192)
        while bytes.count < 16 << 20 {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
