#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Path arithmetic for config files, kept to plain strings: paths are shown to admins
/// exactly as they were formed.
enum ConfigPaths {
    /// The directory part of `path`: "" for a bare file name, "/" for a file in the root.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// An absolute `path` as is; a relative one under the directory of `configFile`.
    static func resolve(_ path: String, relativeTo configFile: String) -> String {
        path.hasPrefix("/") ? path : join(directory(of: configFile), path)
    }
}

/// A config file's bytes and the mode bits that matter for trusting it.
struct ConfigFileContents {
    var text: String
    var worldWritable: Bool
}

/// Why a file or directory could not be used.
struct ConfigFileError: Error {
    var message: String
    /// ENOENT: callers treat a missing plugins directory differently from a broken one.
    var isMissing: Bool = false
    /// Set when the problem is in the content, such as invalid UTF-8.
    var line: Int? = nil
}

enum ConfigFiles {
    /// Config files are small; anything this big is a mistake, not a config.
    static let maximumSize = 4 << 20

    static func readFile(_ path: String) throws(ConfigFileError) -> ConfigFileContents {
        let file: (bytes: [UInt8], mode: mode_t)
        do {
            file = try SmallFile.contents(of: path, maximumSize: maximumSize)
        } catch {
            throw ConfigFileError(message: error.message, isMissing: error.isMissing)
        }
        return ConfigFileContents(text: try text(of: file.bytes), worldWritable: file.mode & S_IWOTH != 0)
    }

    /// A config file's bytes as text; invalid UTF-8 is refused with its line. Split from
    /// `readFile` so the fuzz target feeds bytes through the same check without a file.
    static func text(of bytes: [UInt8]) throws(ConfigFileError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigFileError(message: "not valid UTF-8", line: invalidUTF8Line(bytes))
        }
        return text
    }

    /// Names in `path`, without "." and "..", in no particular order.
    static func listDirectory(_ path: String) throws(ConfigFileError) -> [String] {
        guard let dir = opendir(path) else { throw failure("cannot open directory") }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw failure("cannot read directory") }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Whether `path` is a directory anyone may write to (then anyone may add plugin
    /// instances); nil when it cannot be examined.
    static func isWorldWritableDirectory(_ path: String) -> Bool? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (info.st_mode & S_IFMT) == S_IFDIR && info.st_mode & S_IWOTH != 0
    }

    private static func failure(_ what: String) -> ConfigFileError {
        let code = errno
        return ConfigFileError(message: "\(what): \(String(cString: strerror(code)))", isMissing: code == ENOENT)
    }

    /// A newline never falls inside a UTF-8 sequence, so lines can be checked one by one.
    private static func invalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            if String(validating: bytes[start...offset], as: UTF8.self) == nil { return line }
            line += 1
            start = offset + 1
        }
        return line
    }
}

/// The kernel's host name; "localhost" if it cannot be had.
func systemHostname() -> String {
    var buffer = [UInt8](repeating: 0, count: 256)
    let ok = buffer.withUnsafeMutableBufferPointer { raw in
        raw.withMemoryRebound(to: CChar.self) { chars in
            guard let base = chars.baseAddress else { return false }
            return gethostname(base, chars.count - 1) == 0
        }
    }
    guard ok else { return "localhost" }
    let name = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    return name.isEmpty ? "localhost" : name
}
