#if canImport(Glibc)
import Glibc
#endif

/// Where nazard finds the `nazar-plugin-host` program it spawns for isolated instances.
public enum PluginHostExecutable {
    /// Environment variable naming the program explicitly (tests, unusual layouts).
    public static let environmentVariable = "NAZAR_PLUGIN_HOST"

    /// `$NAZAR_PLUGIN_HOST`, else `nazar-plugin-host` next to this process's executable
    /// (a build directory), else `../lib/nazar/nazar-plugin-host` from it (the Debian
    /// layout: /usr/sbin/nazard, /usr/lib/nazar/nazar-plugin-host). Returns the candidates
    /// tried when none is executable.
    /// `named` stands for the variable's value (tests; nil reads the environment).
    public static func locate(named: String? = nil) -> Result<String, PluginHostSpawnError> {
        if let path = named ?? getenv(environmentVariable).flatMap({ $0.pointee != 0 ? String(cString: $0) : nil }) {
            return access(path, X_OK) == 0 ? .success(path)
                : .failure(PluginHostSpawnError("\(environmentVariable)=\(path) is not an executable file"))
        }
        var candidates: [String] = []
        if let dir = ownDirectory() {
            candidates = ["\(dir)/nazar-plugin-host", "\(dir)/../lib/nazar/nazar-plugin-host"]
        }
        candidates.append("/usr/lib/nazar/nazar-plugin-host")
        if let found = candidates.first(where: { access($0, X_OK) == 0 }) { return .success(found) }
        return .failure(PluginHostSpawnError("nazar-plugin-host not found (tried \(candidates.joined(separator: ", ")); set \(environmentVariable))"))
    }

    private static func ownDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}

/// The child process could not be started: the program is missing or spawn failed.
public struct PluginHostSpawnError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}
