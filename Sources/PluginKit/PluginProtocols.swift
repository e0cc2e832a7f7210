/// What `nazarctl plugins list` shows about a plugin.
public struct PluginInfo: Sendable {
    public var name: String
    public var version: String
    public var description: String

    public init(name: String, version: String, description: String) {
        self.name = name
        self.version = version
        self.description = description
    }
}

/// One running instance of a plugin, written as a plain struct.
///
/// The host never calls one instance concurrently, so methods are `mutating` and need
/// no locks; an instance that starts its own threads must synchronise those itself.
public protocol PluginInstance: SendableMetatype {
    static var info: PluginInfo { get }

    /// Build the instance from its `[config]` table. Throw `PluginError.config(key:_:)`
    /// for a bad setting: the message reaches the admin with the file name.
    init(config: PluginConfig, host: PluginHost) throws(PluginError)

    /// Begin work. Default: nothing.
    mutating func start() throws(PluginError)

    /// Stop work; no host calls after this returns. Default: nothing.
    mutating func stop()
}

extension PluginInstance {
    public mutating func start() throws(PluginError) {}
    public mutating func stop() {}
}

/// Produces points when the host's scheduler calls `collect`.
public protocol Collector: PluginInstance {
    /// Take one sample stamped `now` (ns since epoch) and publish it via the host.
    mutating func collect(now: Int64) throws(PluginError)
}

/// Consumes batches of points and raises/resolves alerts.
public protocol Detector: PluginInstance {
    mutating func onPoints(_ batch: PointBatch) throws(PluginError)
}

/// Delivers alerts. Throw `.transient` to be retried, `.permanent` to give up.
public protocol Notifier: PluginInstance {
    mutating func notify(_ alert: DeliveredAlert) throws(PluginError)
}
