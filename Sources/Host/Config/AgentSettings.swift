/// The `[agent]` section of nazar.toml: forward every point on the bus to a central
/// nazard's `POST /api/v1/ingest` (JSON, gzip) — for hosts that can reach the central one
/// over HTTP(S) but not the broker. Off unless `forward_to` is set.
public struct AgentSettings: Sendable, Equatable {
    /// Base URL of the central nazard, e.g. "https://central:8428"; nil: not an agent.
    public var forwardTo: String?
    /// A file holding the ingest key (first line), e.g. from `nazarctl keys add --scope ingest`.
    public var keyFile: String?
    /// Most points per request.
    public var batchPoints: Int
    /// A batch with fewer points is sent at the latest after this long.
    public var flushInterval: Duration
    /// Where batches wait until the central one has them (survives restarts); nil:
    /// `<state_directory>/agent-buffer`.
    public var bufferDirectory: String?
    /// Most bytes the buffer may hold; past it the oldest batches are dropped (counted).
    public var bufferMaxBytes: Int
    /// Request timeout.
    public var timeout: Duration
    /// Backoff after a failed request: starts at `retryMin`, doubles up to `retryMax`, with jitter.
    public var retryMin: Duration
    public var retryMax: Duration
    /// PEM bundle to trust for an https `forward_to` with a private CA.
    public var caFile: String?

    public init(forwardTo: String? = nil, keyFile: String? = nil, batchPoints: Int = 5_000,
                flushInterval: Duration = .seconds(1), bufferDirectory: String? = nil, bufferMaxBytes: Int = 256 << 20,
                timeout: Duration = .seconds(10), retryMin: Duration = .milliseconds(500), retryMax: Duration = .seconds(60),
                caFile: String? = nil) {
        self.forwardTo = forwardTo
        self.keyFile = keyFile
        self.batchPoints = batchPoints
        self.flushInterval = flushInterval
        self.bufferDirectory = bufferDirectory
        self.bufferMaxBytes = bufferMaxBytes
        self.timeout = timeout
        self.retryMin = retryMin
        self.retryMax = retryMax
        self.caFile = caFile
    }

    public static let defaults = AgentSettings()
    static let keys = ["forward_to", "key_file", "batch_points", "flush_interval", "buffer_directory", "buffer_max_bytes",
                       "timeout", "retry_min", "retry_max", "ca_file"]

    /// The buffer directory to use under `stateDirectory`.
    public func bufferPath(stateDirectory: String) -> String {
        bufferDirectory ?? "\(stateDirectory)/agent-buffer"
    }

    static func read(_ table: [String: TOMLNode], sourcePath: String, reader: inout ConfigValueReader) -> AgentSettings {
        let base = TOMLPath(keys: "agent")
        var s = AgentSettings()
        if let url = reader.string(table, "forward_to", at: base) {
            if url.isEmpty {
                s.forwardTo = nil
            } else if !(url.hasPrefix("http://") || url.hasPrefix("https://")) || url.dropFirst(url.hasPrefix("https") ? 8 : 7).isEmpty {
                reader.error("'\(url)' is not an http:// or https:// URL (example: https://central.example.com:8428)",
                             at: base.appending("forward_to"))
            } else {
                s.forwardTo = url.hasSuffix("/") ? String(url.dropLast()) : url
            }
        }
        // "" leaves a path unset (the shipped nazar.toml lists every key this way).
        if let f = reader.string(table, "key_file", at: base), !f.isEmpty { s.keyFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if let n = reader.integer(table, "batch_points", at: base, range: 1...1_000_000) { s.batchPoints = n }
        if let d = reader.duration(table, "flush_interval", at: base, minimum: .milliseconds(10)) { s.flushInterval = d }
        if let f = reader.string(table, "buffer_directory", at: base), !f.isEmpty {
            s.bufferDirectory = ConfigPaths.resolve(f, relativeTo: sourcePath)
        }
        if let n = reader.integer(table, "buffer_max_bytes", at: base, range: (64 << 10)...(1 << 40)) { s.bufferMaxBytes = n }
        if let d = reader.duration(table, "timeout", at: base, minimum: .milliseconds(100)) { s.timeout = d }
        if let d = reader.duration(table, "retry_min", at: base, minimum: .milliseconds(10)) { s.retryMin = d }
        if let d = reader.duration(table, "retry_max", at: base, minimum: .milliseconds(10)) { s.retryMax = d }
        if s.retryMax < s.retryMin {
            reader.error("retry_max is shorter than retry_min", at: base.appending("retry_max"))
            s.retryMax = s.retryMin
        }
        if let f = reader.string(table, "ca_file", at: base), !f.isEmpty { s.caFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if s.forwardTo != nil && s.keyFile == nil {
            reader.error("forward_to needs key_file: a file holding an ingest key of the central nazard", at: base.appending("key_file"))
        }
        return s
    }
}
