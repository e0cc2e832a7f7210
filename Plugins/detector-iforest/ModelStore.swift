import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Why a persisted model was not used (it is then relearnt; the detector logs this).
struct ModelFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): \(reason)" }
}

/// Persists one host's model as `<state dir>/<model>@<host>.iforest`: magic "NZIM",
/// format version, the host name, the config signature (metrics, trees, samples), the
/// training span, the forest (its own format) and an FNV-1a 64 checksum of everything.
/// Writes go to a temporary file that is renamed over the old one, so a crash never
/// leaves half a model. Safe to call from the training thread (touches only files).
struct ModelStore: Sendable {
    static let magic: UInt32 = 0x4D49_5A4E  // "NZIM"
    static let version: UInt32 = 1
    static let suffix = ".iforest"

    let directory: String
    let model: String
    let signature: String

    func path(forHost host: String) -> String {
        // Host names are [a-zA-Z0-9.-] in practice; anything else must not reach the path.
        let safe = String(host.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
        return "\(directory)/\(model)@\(safe)\(ModelStore.suffix)"
    }

    func encode(host: String, model: TrainedModel) -> [UInt8] {
        var w = ByteWriter()
        w.append(ModelStore.magic)
        w.append(ModelStore.version)
        w.append(host)
        w.append(signature)
        w.append(model.trainedThroughNanoseconds)
        w.append(model.baselineSpanNanoseconds)
        let forest = model.forest.encoded()
        w.append(UInt64(forest.count))
        w.append(bytes: forest)
        w.appendChecksum()
        return w.bytes
    }

    /// Decodes a file's bytes; `.failure` says why it cannot be used.
    func decode(_ bytes: [UInt8], path: String) -> Result<(host: String, model: TrainedModel), ModelFileError> {
        do throws(IsolationForestError) {
            var r = ByteReader(bytes)
            try r.verifyTrailingChecksum()
            guard try r.uint32() == ModelStore.magic else { return .failure(ModelFileError(path: path, reason: "not a detector-iforest model")) }
            let version = try r.uint32()
            guard version == ModelStore.version else {
                return .failure(ModelFileError(path: path, reason: "format version \(version), this build reads \(ModelStore.version)"))
            }
            let host = try r.string()
            let storedSignature = try r.string()
            guard storedSignature == signature else {
                return .failure(ModelFileError(path: path, reason: "trained for other metrics or settings"))
            }
            let through = try r.int64()
            let span = try r.int64()
            let length = Int(truncatingIfNeeded: try r.uint64())
            guard length >= 0, length == r.remaining - 8 else { return .failure(ModelFileError(path: path, reason: "forest length does not match the file")) }
            let forest = try IsolationForest(decoding: try r.rawBytes(length))
            return .success((host, TrainedModel(forest: forest, trainedThroughNanoseconds: through, baselineSpanNanoseconds: span)))
        } catch {
            return .failure(ModelFileError(path: path, reason: error.description))
        }
    }

    func save(host: String, model: TrainedModel) throws(ModelFileError) {
        let path = path(forHost: host)
        try FileIO.writeAtomically(encode(host: host, model: model), to: path)
    }

    /// Every model file of this instance's model name in the directory.
    func modelFiles() -> [String] {
        FileIO.list(directory).filter { $0.hasPrefix(model + "@") && $0.hasSuffix(ModelStore.suffix) }.map { "\(directory)/\($0)" }
    }
}

/// Whole-file reads and atomic writes with Glibc (plugins do not use Foundation).
enum FileIO {
    static func read(_ path: String, limit: Int = 512 << 20) throws(ModelFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelFileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ModelFileError(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return out }
            out += chunk[0..<n]
            guard out.count <= limit else { throw ModelFileError(path: path, reason: "larger than \(limit) bytes") }
        }
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ModelFileError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ModelFileError(path: temporary, reason: "cannot create: \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw ModelFileError(path: temporary, reason: "write failed: \(reason)")
            }
            written += n
        }
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ModelFileError(path: path, reason: "rename failed: \(reason)")
        }
    }

    static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
