/// The `[http]` section of nazar.toml: where the HTTP API listens and how it authenticates.
public struct HTTPSettings: Sendable, Equatable {
    /// Who may call the API without a key.
    public enum AuthMode: String, Sendable, CaseIterable {
        /// Every request needs a key.
        case required
        /// Requests from 127.0.0.1/::1 without a key get the read scope (the dashboard on
        /// localhost works with no setup); ingest and admin always need a key.
        case localhostOpen = "localhost_open"
    }

    /// `host:port` (`[v6]:port` for IPv6); nil when `listen = ""` turns the server off.
    public var listen: String?
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// Request bodies over this (after gzip decoding too) are refused with 413.
    public var maxBodyBytes: Int
    /// The API keys file; nil means `<state_directory>/api-keys`.
    public var keysFile: String?
    public var auth: AuthMode
    /// Points per second a key may ingest when the key itself names no rate.
    public var ratePointsPerSecond: Int
    /// Points a key may send at once above its rate (token bucket size).
    public var rateBurst: Int

    public init(listen: String? = "127.0.0.1:8428", tlsCertFile: String? = nil, tlsKeyFile: String? = nil,
                maxBodyBytes: Int = 16 << 20, keysFile: String? = nil, auth: AuthMode = .localhostOpen,
                ratePointsPerSecond: Int = 1_000_000, rateBurst: Int = 2_000_000) {
        self.listen = listen
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.maxBodyBytes = maxBodyBytes
        self.keysFile = keysFile
        self.auth = auth
        self.ratePointsPerSecond = ratePointsPerSecond
        self.rateBurst = rateBurst
    }

    public static let defaults = HTTPSettings()
    static let keys = ["listen", "tls_cert_file", "tls_key_file", "max_body_bytes", "keys_file", "auth",
                       "rate_limit", "rate_burst"]

    /// The keys file to use under `stateDirectory`.
    public func keysPath(stateDirectory: String) -> String {
        keysFile ?? "\(stateDirectory)/api-keys"
    }

    /// Splits `listen` into host and port; nil when it is not `host:port`.
    public static func splitListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        return (host, port)
    }

    static func read(_ table: [String: TOMLNode], sourcePath: String, reader: inout ConfigValueReader) -> HTTPSettings {
        let base = TOMLPath(keys: "http")
        var s = HTTPSettings()
        if let listen = reader.string(table, "listen", at: base) {
            if listen.isEmpty {
                s.listen = nil
            } else if splitListen(listen) == nil {
                reader.error("'\(listen)' is not host:port (examples: 127.0.0.1:8428, [::1]:8428, 0.0.0.0:8428; \"\" turns the server off)",
                             at: base.appending("listen"))
            } else {
                s.listen = listen
            }
        }
        // "" means unset, as for the other optional paths of nazar.toml.
        if let f = reader.string(table, "tls_cert_file", at: base), !f.isEmpty { s.tlsCertFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if let f = reader.string(table, "tls_key_file", at: base), !f.isEmpty { s.tlsKeyFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if (s.tlsCertFile == nil) != (s.tlsKeyFile == nil) {
            reader.error("tls_cert_file and tls_key_file go together", at: base.appending(s.tlsCertFile == nil ? "tls_key_file" : "tls_cert_file"))
            s.tlsCertFile = nil
            s.tlsKeyFile = nil
        }
        if let n = reader.integer(table, "max_body_bytes", at: base, range: 1024...(1 << 30)) { s.maxBodyBytes = n }
        if let f = reader.string(table, "keys_file", at: base), !f.isEmpty { s.keysFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if let mode = reader.choice(table, "auth", at: base, as: AuthMode.self) { s.auth = mode }
        if let n = reader.integer(table, "rate_limit", at: base, range: 1...1_000_000_000) { s.ratePointsPerSecond = n }
        if let n = reader.integer(table, "rate_burst", at: base, range: 1...1_000_000_000) { s.rateBurst = n }
        return s
    }
}
