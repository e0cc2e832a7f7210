import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Reads a secret (webhook URL, password, bot token) from one of three places, the
/// config naming exactly one of them:
///
/// - `<key> = "…"` inline (works, but warns when the plugins.d file is readable by others);
/// - `<key>_file = "/etc/nazar/secrets/x"` a file holding only the secret (warns when
///   other users can read it);
/// - `<key>_credential = "name"` a systemd credential: `$CREDENTIALS_DIRECTORY/name`, as
///   set up by `LoadCredential=name:/path` in the unit.
///
/// Trailing whitespace and newlines in files are dropped (editors add them). Errors name
/// the key and the file but never contain the secret.
public struct SecretSource: Sendable {
    /// Where the secret came from, for messages ("bot_token_file /etc/…").
    public var origin: String
    /// The secret itself: never log it or put it into an error message.
    public var value: String

    /// The keys `read(_:…)` consumes for `key`, for `rejectUnknownKeys`.
    public static func keys(_ key: String) -> Set<String> { [key, key + "_file", key + "_credential"] }

    /// Reads the secret for `key`, or nil when none of the three keys is set and
    /// `required` is false. `environment` is the process environment lookup (tests pass
    /// their own). Logs a warning through `host` for an inline secret in a file others can read.
    public static func read(_ key: String, from config: PluginConfig, host: PluginHost, required: Bool = true,
                            environment: (String) -> String? = { getenv($0).map { String(cString: $0) } })
        throws(PluginError) -> SecretSource? {
        let inline = try config.string(key)
        let file = try config.string(key + "_file")
        let credential = try config.string(key + "_credential")
        let given = [inline != nil, file != nil, credential != nil].filter { $0 }.count
        guard given <= 1 else {
            throw .config(key: key, "set only one of \(key), \(key)_file, \(key)_credential")
        }
        if let inline {
            guard !inline.isEmpty else { throw .config(key: key, "must not be empty") }
            warnIfReadableByOthers(key: key, host: host)
            return SecretSource(origin: key, value: inline)
        }
        if let file {
            guard file.hasPrefix("/") else { throw .config(key: key + "_file", "must be an absolute path, got '\(file)'") }
            let value = try readFile(file, key: key + "_file")
            warnIfReadableByOthers(file: file, key: key + "_file", host: host)
            return SecretSource(origin: "\(key)_file \(file)", value: value)
        }
        if let credential {
            guard !credential.isEmpty, !credential.contains("/") else {
                throw .config(key: key + "_credential", "must be a credential name without '/', got '\(credential)'")
            }
            guard let dir = environment("CREDENTIALS_DIRECTORY"), !dir.isEmpty else {
                throw .config(key: key + "_credential",
                              "CREDENTIALS_DIRECTORY is not set: add LoadCredential=\(credential):<path> to the nazar unit")
            }
            let path = dir + "/" + credential
            return SecretSource(origin: "credential \(credential)", value: try readFile(path, key: key + "_credential"))
        }
        if required {
            throw .config(key: key, "missing: set \(key)_file (a file holding only the secret), "
                          + "\(key)_credential (a systemd credential) or \(key)")
        }
        return nil
    }

    /// The whole file, without trailing whitespace; files above 64 KiB are refused.
    static func readFile(_ path: String, key: String) throws(PluginError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .config(key: key, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .config(key: key, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            guard bytes.count <= 65536 else { throw .config(key: key, "\(path) is larger than 64 KiB; it should hold only the secret") }
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingSpaces()
        guard !text.isEmpty else { throw .config(key: key, "\(path) is empty") }
        guard !text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else {
            throw .config(key: key, "\(path) holds more than one line; it should hold only the secret")
        }
        return text
    }

    /// Warns when a secret file is readable by users other than its owner and group.
    static func warnIfReadableByOthers(file: String, key: String, host: PluginHost) {
        var st = stat()
        guard stat(file, &st) == 0, st.st_mode & S_IROTH != 0 else { return }
        let mode = String(st.st_mode & 0o777, radix: 8)
        host.log(.warning,
                 "config key '\(key)': the secret file \(file) is readable by every user (mode \(mode)): "
                 + "chmod 0640 it and give it to the nazar group",
                 [("NAZAR_EVENT", "secret_file_readable"), ("NAZAR_CONFIG_KEY", key)])
    }

    /// Warns (once, at create) when the file holding an inline secret is readable by users
    /// other than its owner and group: anyone on the machine can then read the secret.
    static func warnIfReadableByOthers(key: String, host: PluginHost) {
        guard let path = host.configPath else { return }
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IROTH != 0 else { return }
        let mode = String(st.st_mode & 0o777, radix: 8)
        host.log(.warning,
                 "config key '\(key)' holds a secret inline in \(path), which every user can read (mode \(mode)): "
                 + "move it to \(key)_file or \(key)_credential, or chmod o-r the file",
                 [("NAZAR_EVENT", "inline_secret_readable"), ("NAZAR_CONFIG_FILE", path), ("NAZAR_CONFIG_KEY", key)])
    }
}
