import Host
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The keys nazard accepts, loaded from the keys file and reloaded when it changes (its
/// inode, size, mtime or ctime, checked at most once a second, on a request) or on
/// `reload(trigger:)` (nazard calls it on SIGHUP).
///
/// The ctime makes an in-place rewrite that keeps size and mtime (`cp -p` of a backup,
/// `rsync -t`) count as a change: only the kernel sets it.
///
/// Thread-safe: lookups take a mutex for a dictionary read. A file that no longer parses
/// keeps the previous keys and logs the error once per change.
public final class APIKeyRing: Sendable {
    private struct FileStamp: Equatable {
        var mtimeSeconds: Int
        var mtimeNanoseconds: Int
        var ctimeSeconds: Int
        var ctimeNanoseconds: Int
        var size: Int
        var inode: UInt
    }

    private struct State {
        var byHash: [String: APIKey] = [:]
        var stamp: FileStamp?
        var checkedAt: Int64 = 0
    }

    public let path: String
    private let logger: Logger
    private let state = Mutex(State())

    public init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
        reload(trigger: "start")
    }

    /// The key whose text is `token`, or nil.
    public func key(forToken token: String) -> APIKey? {
        reloadIfChanged()
        let hash = SHA256.hex(Array(token.utf8))
        return state.withLock { $0.byHash[hash] }
    }

    /// Every key currently loaded.
    public var keys: [APIKey] { state.withLock { Array($0.byHash.values) } }

    /// Re-reads the file now; `trigger` (start, sighup, file_changed, …) goes into the log
    /// line as `nazar_trigger`.
    public func reload(trigger: String = "requested") {
        let stamp = Self.stamp(path)
        do throws(APIKeyFileError) {
            let keys = try APIKeyFile.read(path: path)
            var byHash: [String: APIKey] = [:]
            for k in keys { byHash[k.hash] = k }
            state.withLock {
                $0.byHash = byHash
                $0.stamp = stamp
            }
            logger.info("loaded \(keys.count) API key\(keys.count == 1 ? "" : "s") from \(path)",
                        metadata: ["nazar_event": "api_keys_loaded", "nazar_trigger": "\(trigger)"])
        } catch {
            state.withLock { $0.stamp = stamp }
            logger.error("API keys not reloaded, keeping the previous ones: \(error)",
                         metadata: ["nazar_event": "api_keys_failed", "nazar_trigger": "\(trigger)"])
        }
    }

    private func reloadIfChanged() {
        let now = monotonicNanoseconds()
        let due = state.withLock { s -> Bool in
            guard now - s.checkedAt >= 1_000_000_000 else { return false }
            s.checkedAt = now
            return true
        }
        guard due else { return }
        let stamp = Self.stamp(path)
        if state.withLock({ $0.stamp != stamp }) { reload(trigger: "file_changed") }
    }

    private static func stamp(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStamp(mtimeSeconds: st.st_mtim.tv_sec, mtimeNanoseconds: st.st_mtim.tv_nsec,
                         ctimeSeconds: st.st_ctim.tv_sec, ctimeNanoseconds: st.st_ctim.tv_nsec, size: Int(st.st_size),
                         inode: UInt(st.st_ino))
    }
}
