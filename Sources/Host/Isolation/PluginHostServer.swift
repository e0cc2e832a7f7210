import CProcessControl
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The `nazar-plugin-host` program: loads one plugin through the same `PluginLoader`
/// checks as nazard, and runs the calls nazard sends over descriptor 3 on its main
/// thread, one at a time, answering each. The plugin gets a `nazar_host_api` whose
/// functions forward to nazard (`PluginHostAPI`), so it behaves as it would in-process.
///
/// The process ends after destroy(), when nazard goes away (its socket closes, or
/// PR_SET_PDEATHSIG kills us), or on a protocol error (exit status 70).
public enum PluginHostServer {
    /// Runs the child; `arguments` are argv: program, instance name, nazard's pid.
    public static func main(arguments: [String]) -> Never {
        // Before anything else: die with nazard, and hold no descriptor but ours.
        _ = nazar_set_parent_death_signal(SIGKILL)
        if arguments.count >= 3, let parent = Int32(arguments[2]), getppid() != parent { exit(0) }  // nazard already gone
        nazar_close_descriptors_from(PluginHostWire.childDescriptor + 1)
        signal(SIGPIPE, SIG_IGN)
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(PluginHostWire.childDescriptor, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else {
            die("nazar-plugin-host: descriptor 3 is not nazard's socket; this program is started by nazard for plugins with isolation = \"process\"")
        }
        let link = PluginHostLink(fd: PluginHostWire.childDescriptor)
        guard link.start() else { die("nazar-plugin-host: cannot start the reader thread") }
        let session = PluginHostSession(link: link)
        PluginHostAPI.session = session
        while let (buffer, length) = link.nextCall() {
            session.handle(buffer, length: length)
        }
        exit(0)
    }

    /// Writes `message` to stderr (nazard's, hence the journal) and exits with status 70.
    static func die(_ message: String) -> Never {
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        exit(70)
    }
}

/// The one plugin instance of a `nazar-plugin-host` process and the calls made on it.
/// Main thread only, except the strings the host API hands out (immutable after create).
final class PluginHostSession: @unchecked Sendable {
    let link: PluginHostLink
    private(set) var hostname: UnsafeMutablePointer<CChar> = strdup("")
    private(set) var stateDirectory: UnsafeMutablePointer<CChar> = strdup("")
    private(set) var configPath: UnsafeMutablePointer<CChar> = strdup("")
    private var raw = nazar_plugin()
    private var instance: UnsafeMutableRawPointer?
    private let error = ErrorBuffer()
    private let points = UnsafeMutablePointer<nazar_point>.allocate(capacity: PluginHostWire.pointsPerMessage)
    private let scratch = PluginHostScratch()

    init(link: PluginHostLink) { self.link = link }

    /// Runs one call and answers it.
    func handle(_ buffer: UnsafeMutableRawPointer, length: Int) {
        error.reset()
        var rc: Int32
        var last = false
        do throws(PluginHostWireError) {
            var reader = try PluginHostMessageReader(buffer, length: length)
            let id = reader.id
            switch reader.type {
            case .create: rc = try create(&reader)
            case .start: rc = raw.start?(instance, error.pointer) ?? Int32(NAZAR_OK)
            case .collect:
                let now = try reader.read(Int64.self, "now_ns")
                rc = raw.collect?(instance, now, error.pointer) ?? Int32(NAZAR_ERROR)
            case .onPoints: rc = try onPoints(&reader)
            case .notify:
                var alert = try reader.readAlert(scratch)
                rc = raw.notify?(instance, &alert, error.pointer) ?? Int32(NAZAR_ERROR)
            case .stop:
                raw.stop?(instance)
                rc = Int32(NAZAR_OK)
            case .destroy:
                raw.destroy?(instance)
                rc = Int32(NAZAR_OK)
                last = true
            default:
                throw PluginHostWireError("\(reader.type) is not a call")
            }
            link.recycle(buffer)
            let retry = error.retryAfterMilliseconds
            let message = error.message(orDefault: "")
            link.send(.callReply, id: id) { w in
                w.put(rc)
                w.put(retry)
                w.put(string: message)
            }
        } catch {
            PluginHostServer.die("nazar-plugin-host: \(error)")
        }
        if last { exit(0) }
    }

    /// Loads the plugin (the same checks as nazard), checks it is the one nazard
    /// validated, and creates the instance with the forwarding host table.
    private func create(_ reader: inout PluginHostMessageReader) throws(PluginHostWireError) -> Int32 {
        let path = try reader.readString("plugin path")
        let expectedName = try reader.readString("plugin name")
        let expectedKind = try reader.read(UInt32.self, "kind")
        let strict = try reader.read(UInt8.self, "strict permissions") != 0
        _ = try reader.readString("instance name")
        hostname = strdup(try reader.readCString("hostname"))
        stateDirectory = strdup(try reader.readCString("state directory"))
        configPath = strdup(try reader.readCString("config path"))
        let configJSON = try reader.readCString("config JSON")
        let descriptor: PluginDescriptor
        do {
            descriptor = try PluginLoader(searchPath: [], strictPermissions: strict).load(path)
        } catch {
            self.error.set("plugin host: \(error.description)")
            return Int32(NAZAR_ERROR)
        }
        guard descriptor.name == expectedName, descriptor.kind.rawValue == expectedKind else {
            error.set("plugin host: \(path) is now \(descriptor.name) (\(descriptor.kind)), not the \(expectedName) nazard loaded; reload nazar")
            return Int32(NAZAR_ERROR)
        }
        raw = descriptor.raw
        guard let create = raw.create else { return Int32(NAZAR_ERROR) }
        return create(PluginHostAPI.table, OpaquePointer(bitPattern: 1), configJSON, &instance, error.pointer)
    }

    /// Rebuilds nazard's batch as `nazar_point`s with the series' names and labels.
    private func onPoints(_ reader: inout PluginHostMessageReader) throws(PluginHostWireError) -> Int32 {
        let n = Int(try reader.read(UInt32.self, "point count"))
        guard n <= PluginHostWire.pointsPerMessage else {
            throw PluginHostWireError("on_points with \(n) points (at most \(PluginHostWire.pointsPerMessage))")
        }
        let bytes = try reader.readBytes(n * PluginHostWire.pointSize, "points")
        let size = UInt32(MemoryLayout<nazar_point>.size)
        let points = points
        try link.withDefinitions { (series: [UInt64: PluginHostLink.SeriesDefinition]) throws(PluginHostWireError) in
            for i in 0..<n {
                let at = i * PluginHostWire.pointSize
                let id = bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                guard let d = series[id] else { throw PluginHostWireError("on_points names series \(id), which nazard never defined") }
                points[i] = nazar_point(struct_size: size, label_count: d.labelCount, series: id, name: UnsafePointer(d.name),
                                        labels: UnsafePointer(d.labels),
                                        timestamp_ns: bytes.loadUnaligned(fromByteOffset: at + 8, as: Int64.self),
                                        value: Double(bitPattern: bytes.loadUnaligned(fromByteOffset: at + 16, as: UInt64.self)))
            }
        }
        var batch = nazar_point_batch(struct_size: UInt32(MemoryLayout<nazar_point_batch>.size),
                                      point_size: UInt32(MemoryLayout<nazar_point>.stride), count: UInt64(n), points: points)
        return raw.on_points?(instance, &batch, error.pointer) ?? Int32(NAZAR_ERROR)
    }
}
