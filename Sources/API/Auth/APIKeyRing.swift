import Host
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The keys nazard accepts, loaded from the keys file and reloaded when it changes (its
/// mtime, size or inode, checked at most once a second) or on `reload()` (SIGHUP).
///
/// Thread-safe: lookups take a mutex for a dictionary read. A file that no longer parses
/// keeps the previous keys and logs the error once per change.
public final class APIKeyRing: Sendable {
    private struct FileStamp: Equatable {
        var mtimeSeconds: Int
        var mtimeNanoseconds: Int
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
        reload()
    }

    /// The key whose text is `token`, or nil.
    public func key(forToken token: String) -> APIKey? {
        reloadIfChanged()
        let hash = SHA256.hex(Array(token.utf8))
        return state.withLock { $0.byHash[hash] }
    }

    /// Every key currently loaded.
    public var keys: [APIKey] { state.withLock { Array($0.byHash.values) } }

    /// Re-reads the file now.
    public func reload() {
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
                        metadata: ["nazar_event": "api_keys_loaded"])
        } catch {
            state.withLock { $0.stamp = stamp }
            logger.error("API keys not reloaded, keeping the previous ones: \(error)",
                         metadata: ["nazar_event": "api_keys_failed"])
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
        if state.withLock({ $0.stamp != stamp }) { reload() }
    }

    private static func stamp(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStamp(mtimeSeconds: st.st_mtim.tv_sec, mtimeNanoseconds: st.st_mtim.tv_nsec, size: Int(st.st_size),
                         inode: UInt(st.st_ino))
    }
}
