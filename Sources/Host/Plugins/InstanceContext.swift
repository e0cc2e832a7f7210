import Logging
import PluginAPI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a `nazar_host *` handle points to: everything a host function needs to act for
/// one plugin instance. Host functions may be called from any plugin thread.
final class InstanceContext: @unchecked Sendable {
    let name: String
    let pluginName: String
    let logger: Logger
    let bus: any Bus
    let alertBook: AlertBook
    let stats: InstanceStats
    let hostnameC: UnsafeMutablePointer<CChar>
    let stateDirectoryC: UnsafeMutablePointer<CChar>
    /// The plugins.d file of this instance ("" if none), for `config_path`.
    let configPathC: UnsafeMutablePointer<CChar>
    /// False once the instance is stopping: host functions then answer NAZAR_STOPPED.
    let accepting = Atomic<Bool>(true)
    /// Limits repeated warnings from one misbehaving plugin to one per interval.
    let warningLimiter = RateLimiter(intervalNanoseconds: 60_000_000_000)

    init(name: String, pluginName: String, logger: Logger, bus: any Bus, alertBook: AlertBook,
         hostname: String, stateDirectory: String, configPath: String = "") {
        self.name = name
        self.pluginName = pluginName
        self.logger = logger
        self.bus = bus
        self.alertBook = alertBook
        self.stats = InstanceStats()
        hostnameC = strdup(hostname)
        stateDirectoryC = strdup(stateDirectory)
        configPathC = strdup(configPath)
    }

    deinit {
        free(hostnameC)
        free(stateDirectoryC)
        free(configPathC)
    }

    var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ handle: OpaquePointer?) -> InstanceContext? {
        guard let handle else { return nil }
        return Unmanaged<InstanceContext>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    /// Logs a warning about the plugin's misuse of the ABI, at most once a minute.
    func warnLimited(_ message: String, event: String) {
        guard warningLimiter.allow() else { return }
        logger.warning("\(message)", metadata: ["nazar_event": "\(event)"])
    }
}

/// Allows one event per interval (lock-free).
final class RateLimiter: Sendable {
    private let last = Atomic<Int64>(.min)
    private let interval: Int64

    init(intervalNanoseconds: Int64) { interval = intervalNanoseconds }

    func allow() -> Bool {
        let now = monotonicNanoseconds()
        let previous = last.load(ordering: .relaxed)
        guard previous == .min || now - previous >= interval else { return false }
        return last.compareExchange(expected: previous, desired: now, ordering: .relaxed).exchanged
    }
}
