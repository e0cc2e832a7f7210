/// Checks the plugin files a configuration names, the way nazard would load them, without
/// creating any instance: for `nazarctl check-config`. dlopen() does run the library's
/// constructors, as it would at start; nothing else in it is called.
public enum PluginCheck {
    /// One diagnostic per enabled instance whose plugin file would be refused, and a
    /// warning for a detector or notifier that subscribes to nothing.
    public static func check(_ instances: [PluginInstanceConfig], searchPath: [String],
                             strictPermissions: Bool) -> [ConfigDiagnostic] {
        let loader = PluginLoader(searchPath: searchPath, strictPermissions: strictPermissions)
        var out: [ConfigDiagnostic] = []
        for instance in instances where instance.enabled {
            let line = lineOfKey("plugin", in: instance.file)
            do {
                let d = try loader.load(instance.plugin)
                if d.kind != .collector && instance.subscribe.isEmpty {
                    out.append(.warning("\(d.kind) '\(instance.name)' subscribes to nothing: add subscribe = [\"...\"]",
                                        file: instance.file, line: lineOfKey("subscribe", in: instance.file), key: "subscribe"))
                }
            } catch {
                out.append(.error(error.description, file: instance.file, line: line, key: "plugin"))
            }
        }
        return out
    }

    /// The line of a top-level `key =` in a small TOML file, if present.
    static func lineOfKey(_ key: String, in file: String) -> Int? {
        guard let text = try? readSmallFile(file) else { return nil }
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.drop { $0 == " " || $0 == "\t" }
            if t.hasPrefix("[") { return nil }
            if t.hasPrefix(key), t.dropFirst(key.count).drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("=") {
                return i + 1
            }
        }
        return nil
    }

    private static func readSmallFile(_ path: String) throws -> String {
        guard let f = fopen(path, "r") else { throw PluginLoadError(path: path, reason: .notRegularFile) }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif
