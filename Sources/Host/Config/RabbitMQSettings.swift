/// What the RabbitMQ bus's disk spool does when appending would exceed its byte limit.
public enum SpoolPolicy: String, Sendable, CaseIterable {
    /// Delete the oldest segment(s) to make room; their points are counted as dropped.
    case dropOldest = "drop_oldest"
    /// Refuse the append: the producer keeps waiting until replay frees space.
    case block
}

/// The `[bus.rabbitmq]` table of nazar.toml: where the broker is and how the bus uses it.
public struct RabbitMQSettings: Sendable, Equatable {
    /// Broker endpoints, tried in order on every (re)connect: `amqp://host[:port]` or
    /// `amqps://host[:port]` (TLS). Credentials in a URL are accepted but a credentials
    /// file is preferred (URLs end up in `ps` and logs).
    public var urls: [String]
    public var vhost: String
    /// A file holding `user:password` on its first line. When nil, nazard reads
    /// `$CREDENTIALS_DIRECTORY/rabbitmq` if systemd passed credentials (LoadCredential=),
    /// else uses the URL's credentials or guest/guest.
    public var credentialsFile: String?
    public var tlsCAFile: String?
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// Verify the broker's certificate and host name (amqps only).
    public var tlsVerify: Bool
    public var pointsExchange: String
    public var alertsExchange: String
    /// Unacknowledged messages the broker sends one consumer ahead (basic.qos).
    public var prefetch: Int
    /// Messages published before waiting for the broker's confirms.
    public var confirmBatch: Int
    /// Most points in one broker message.
    public var pointsPerMessage: Int
    /// Where points wait while the broker is away; relative paths are under the state directory.
    public var spoolDirectory: String
    public var spoolMaxBytes: Int
    public var spoolPolicy: SpoolPolicy
    public var reconnectMin: Duration
    public var reconnectMax: Duration
    /// TCP connect, login and confirm-wait timeout.
    public var timeout: Duration
    public var heartbeat: Duration

    public init(urls: [String] = ["amqp://127.0.0.1:5672"], vhost: String = "/", credentialsFile: String? = nil,
                tlsCAFile: String? = nil, tlsCertFile: String? = nil, tlsKeyFile: String? = nil, tlsVerify: Bool = true,
                pointsExchange: String = "nazar.points", alertsExchange: String = "nazar.alerts",
                prefetch: Int = 64, confirmBatch: Int = 64, pointsPerMessage: Int = 1_000,
                spoolDirectory: String = "spool", spoolMaxBytes: Int = 256 << 20, spoolPolicy: SpoolPolicy = .dropOldest,
                reconnectMin: Duration = .milliseconds(100), reconnectMax: Duration = .seconds(30),
                timeout: Duration = .seconds(5), heartbeat: Duration = .seconds(30)) {
        self.urls = urls
        self.vhost = vhost
        self.credentialsFile = credentialsFile
        self.tlsCAFile = tlsCAFile
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.tlsVerify = tlsVerify
        self.pointsExchange = pointsExchange
        self.alertsExchange = alertsExchange
        self.prefetch = prefetch
        self.confirmBatch = confirmBatch
        self.pointsPerMessage = pointsPerMessage
        self.spoolDirectory = spoolDirectory
        self.spoolMaxBytes = spoolMaxBytes
        self.spoolPolicy = spoolPolicy
        self.reconnectMin = reconnectMin
        self.reconnectMax = reconnectMax
        self.timeout = timeout
        self.heartbeat = heartbeat
    }

    static let keys = ["urls", "vhost", "credentials_file", "tls_ca_file", "tls_cert_file", "tls_key_file", "tls_verify",
                       "points_exchange", "alerts_exchange", "prefetch", "confirm_batch", "points_per_message",
                       "spool_directory", "spool_max_bytes", "spool_policy", "reconnect_min", "reconnect_max",
                       "timeout", "heartbeat"]

    /// Reads the table; refused values keep their default and add an error naming the key.
    static func read(_ table: [String: TOMLNode], sourcePath: String, reader: inout ConfigValueReader) -> RabbitMQSettings {
        let base = TOMLPath(keys: "bus", "rabbitmq")
        reader.rejectUnknownKeys(table, known: keys, at: base)
        var s = RabbitMQSettings()
        if let urls = reader.strings(table, "urls", at: base) {
            var good: [String] = []
            for (i, u) in urls.enumerated() {
                do throws(BrokerEndpoint.ParseError) {
                    _ = try BrokerEndpoint(parsing: u)
                    good.append(u)
                } catch {
                    reader.error("\(error)", at: base.appending("urls").appending(index: i))
                }
            }
            if urls.isEmpty { reader.error("must list at least one broker URL", at: base.appending("urls")) }
            if !good.isEmpty && good.count == urls.count { s.urls = good }
        }
        if let v = reader.nonEmptyString(table, "vhost", at: base) { s.vhost = v }
        if let f = reader.nonEmptyString(table, "credentials_file", at: base) { s.credentialsFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if let f = reader.nonEmptyString(table, "tls_ca_file", at: base) { s.tlsCAFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if let f = reader.nonEmptyString(table, "tls_cert_file", at: base) { s.tlsCertFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if let f = reader.nonEmptyString(table, "tls_key_file", at: base) { s.tlsKeyFile = ConfigPaths.resolve(f, relativeTo: sourcePath) }
        if (s.tlsCertFile == nil) != (s.tlsKeyFile == nil) {
            reader.error("tls_cert_file and tls_key_file go together", at: base.appending(s.tlsCertFile == nil ? "tls_key_file" : "tls_cert_file"))
        }
        if let b = reader.bool(table, "tls_verify", at: base) { s.tlsVerify = b }
        if let x = reader.nonEmptyString(table, "points_exchange", at: base) { s.pointsExchange = x }
        if let x = reader.nonEmptyString(table, "alerts_exchange", at: base) { s.alertsExchange = x }
        if let n = reader.integer(table, "prefetch", at: base, range: 1...65_535) { s.prefetch = n }
        if let n = reader.integer(table, "confirm_batch", at: base, range: 1...65_536) { s.confirmBatch = n }
        if let n = reader.integer(table, "points_per_message", at: base, range: 1...65_535) { s.pointsPerMessage = n }
        if let d = reader.nonEmptyString(table, "spool_directory", at: base) { s.spoolDirectory = d }
        if let n = reader.integer(table, "spool_max_bytes", at: base, range: (1 << 20)...(1 << 40)) { s.spoolMaxBytes = n }
        if let p = reader.choice(table, "spool_policy", at: base, as: SpoolPolicy.self) { s.spoolPolicy = p }
        if let d = reader.duration(table, "reconnect_min", at: base, minimum: .milliseconds(10)) { s.reconnectMin = d }
        if let d = reader.duration(table, "reconnect_max", at: base, minimum: .milliseconds(10)) { s.reconnectMax = d }
        if s.reconnectMax < s.reconnectMin {
            reader.error("reconnect_max is shorter than reconnect_min", at: base.appending("reconnect_max"))
            s.reconnectMax = s.reconnectMin
        }
        if let d = reader.duration(table, "timeout", at: base, minimum: .milliseconds(100)) { s.timeout = d }
        if let d = reader.duration(table, "heartbeat", at: base, zeroAllowed: true) { s.heartbeat = d }
        return s
    }
}
