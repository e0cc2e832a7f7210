#if canImport(Glibc)
import Glibc
#endif

/// Why the keys file could not be read or written.
public struct APIKeyFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    /// 1-based line for a malformed entry.
    public var line: Int?
    public var reason: String
    public init(path: String, line: Int?, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var description: String {
        line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
    }
}

/// The API keys file: one key per line, tab-separated
/// `id  name  scopes  host  rate  sha256  created` (`-` for no host or the default rate),
/// `#` comments. Written by `nazarctl keys`, read by nazard.
///
/// Writes replace the file atomically (temporary file, fsync, rename) with mode 0600, so
/// nazard never reads half a file; written by root, the file is given to the owner of
/// its directory (the daemon's user). Not thread-safe; callers serialise.
public enum APIKeyFile {
    static let header = "# nazar API keys (nazarctl keys add|list|revoke). Only SHA-256 hashes of the keys are stored.\n"
        + "# id\tname\tscopes\thost\trate\tsha256\tcreated\n"

    /// Reads every key; a missing file is an empty list. A malformed line throws with its number.
    public static func read(path: String) throws(APIKeyFileError) -> [APIKey] {
        guard let f = fopen(path, "r") else {
            if errno == ENOENT { return [] }
            throw APIKeyFileError(path: path, line: nil, reason: String(cString: strerror(errno)))
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses the file's text (`path` only names it in errors).
    public static func parse(_ text: String, path: String) throws(APIKeyFileError) -> [APIKey] {
        var keys: [APIKey] = []
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            if rawLine.isEmpty || rawLine.hasPrefix("#") { continue }
            func fail(_ reason: String) -> APIKeyFileError { APIKeyFileError(path: path, line: line, reason: reason) }
            let f = rawLine.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7 else { throw fail("expected 7 tab-separated fields, found \(f.count)") }
            guard f[0].hasPrefix("k"), APIKey.isValidWord(f[0]) else { throw fail("id '\(f[0])' is not k followed by hex digits") }
            guard seen.insert(f[0]).inserted else { throw fail("id \(f[0]) appears twice") }
            guard APIKey.isValidWord(f[1]) else { throw fail("name '\(f[1])': use letters, digits, '.', '_' and '-'") }
            var scopes: Set<APIScope> = []
            for word in f[2].split(separator: ",") {
                guard let scope = APIScope(rawValue: String(word)) else {
                    throw fail("scope '\(word)' is not one of \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scopes.insert(scope)
            }
            guard !scopes.isEmpty else { throw fail("no scopes") }
            let host: String? = f[3] == "-" ? nil : f[3]
            if let host, !APIKey.isValidWord(host) { throw fail("host '\(host)' is not a host name") }
            var rate: Int? = nil
            if f[4] != "-" {
                guard let r = Int(f[4]), r > 0 else { throw fail("rate '\(f[4])' is not a positive integer") }
                rate = r
            }
            guard f[5].utf8.count == 64, f[5].utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw fail("sha256 is not 64 lowercase hex digits")
            }
            guard let created = Int64(f[6]) else { throw fail("created '\(f[6])' is not an integer") }
            keys.append(APIKey(id: f[0], name: f[1], scopes: scopes, host: host, rate: rate, hash: f[5], created: created))
        }
        return keys
    }

    /// The file's text for `keys`.
    public static func format(_ keys: [APIKey]) -> String {
        var out = header
        for k in keys {
            let scopes = APIScope.allCases.filter { k.scopes.contains($0) }.map(\.rawValue).joined(separator: ",")
            out += "\(k.id)\t\(k.name)\t\(scopes)\t\(k.host ?? "-")\t\(k.rate.map(String.init) ?? "-")\t\(k.hash)\t\(k.created)\n"
        }
        return out
    }

    /// Replaces the file with `keys`, atomically, mode 0600.
    public static func write(path: String, keys: [APIKey]) throws(APIKeyFileError) {
        let tmp = "\(path).tmp.\(getpid())"
        func failure(_ what: String) -> APIKeyFileError {
            APIKeyFileError(path: path, line: nil, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create \(tmp)") }
        let bytes = Array(format(keys).utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let error = failure("cannot write \(tmp)")
                close(fd)
                unlink(tmp)
                throw error
            }
            offset += n
        }
        // root (nazarctl under sudo) writes the file for the daemon's user: it takes the
        // owner of its directory (the state directory belongs to the nazar user).
        var dirStat = stat()
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        if geteuid() == 0, stat(directory.isEmpty ? "/" : directory, &dirStat) == 0, dirStat.st_uid != 0 {
            _ = fchown(fd, dirStat.st_uid, dirStat.st_gid)
        }
        // fchmod as well: an existing temporary file keeps its old mode through O_CREAT.
        guard fchmod(fd, 0o600) == 0, fsync(fd) == 0 else {
            let error = failure("cannot sync \(tmp)")
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let error = failure("cannot replace")
            unlink(tmp)
            throw error
        }
    }
}
