import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Why the daemon could not start.
public struct DaemonStartError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// The host: config, plugin loader, bus and the set of running plugin instances.
///
/// `start()`, `reload()` and `shutdown()` block (they wait for plugin threads) and are
/// serialised by an internal lock; call them from a thread that may block.
public final class Daemon: @unchecked Sendable {
    public let options: DaemonOptions
    public let logger: Logger
    public private(set) var config: DaemonConfig
    public let bus: any Bus
    public let alertBook = AlertBook()
    let selfMetrics: SelfMetricsPublisher

    private let lifecycleLock = ConditionLock()
    private var loader: PluginLoader
    private var instances: [String: PluginInstance] = [:]
    /// Instances that could not be loaded or started, with the reason (for status).
    private var failures: [String: String] = [:]
    private var disabled: Set<String> = []
    private var wrotePID = false
    private let statusWarningLimiter = RateLimiter(intervalNanoseconds: 600_000_000_000)
    /// Writes bus points and alerts into the configured store; nil with `backend = "none"`.
    public private(set) var storageWriter: StorageWriter?
    /// The configured store (not yet connected), or why there is none; built once at init.
    private let storageChoice: Result<(any Storage)?, StorageError>
    /// Groups, silences and routes alerts to notifier instances through the outbox. It
    /// subscribes to the bus only once a notifier instance runs (see Alerting/README.md).
    public let alertManager: AlertManager

    /// Prepares the bus from a loaded configuration (or loads nazar.toml itself when
    /// `loaded` is nil). Throws when nazar.toml cannot be used.
    public init(options: DaemonOptions, loaded preloaded: LoadedConfig? = nil, logger: Logger) throws(DaemonStartError) {
        self.options = options
        self.logger = logger
        let loaded: LoadedConfig
        if let preloaded {
            loaded = preloaded
        } else {
            do {
                loaded = try ConfigLoader.load(path: options.configPath)
            } catch {
                throw DaemonStartError(message: "\(error)")
            }
        }
        var daemonConfig = loaded.daemon
        if let dir = options.stateDirectory { daemonConfig.stateDirectory = dir }
        config = daemonConfig
        let registry = SeriesRegistry(maxSeries: daemonConfig.bus.maxSeries, defaultHost: daemonConfig.hostname)
        switch daemonConfig.bus.backend {
        case "embedded":
            bus = EmbeddedBus(settings: daemonConfig.bus, registry: registry)
        case "rabbitmq":
            // Never waits for the broker: a broker that is down means spooling, and
            // READY=1 still goes out (the state shows in STATUS= and the journal).
            Self.makeStateDirectory(daemonConfig.stateDirectory, logger: logger)
            do throws(RabbitMQBusError) {
                bus = try RabbitMQBus(settings: daemonConfig.bus, registry: registry, hostname: daemonConfig.hostname,
                                      stateDirectory: daemonConfig.stateDirectory, environment: Self.environment(),
                                      logger: logger)
            } catch {
                throw DaemonStartError(message: "\(options.configPath): \(error)")
            }
        default:
            throw DaemonStartError(message: "\(options.configPath): bus.backend: '\(daemonConfig.bus.backend)' is not available in this build (use \"embedded\" or \"rabbitmq\")")
        }
        loader = PluginLoader(searchPath: options.extraPluginDirectories + daemonConfig.searchPath,
                              strictPermissions: daemonConfig.strictPermissions)
        selfMetrics = SelfMetricsPublisher(bus: bus)
        storageChoice = Result(catching: { () throws(StorageError) -> (any Storage)? in
            try StorageFactory.make(daemonConfig.storage, stateDirectory: daemonConfig.stateDirectory)
        })
        alertManager = Self.makeAlertManager(daemonConfig.alerting, storage: try? storageChoice.get(), logger: logger)
        pendingConfig = loaded
    }

    /// The outbox lives in the store (persistent); without one, in memory.
    private static func makeAlertManager(_ settings: AlertingSettings, storage: (any Storage)?, logger: Logger) -> AlertManager {
        guard let storage else {
            return AlertManager(settings: settings, outbox: MemoryOutbox(), silences: nil, logger: logger)
        }
        return AlertManager(settings: settings, outbox: StorageOutbox(storage: storage),
                            silences: { now throws(StorageError) in try storage.activeSilences(at: now) }, logger: logger)
    }

    private var pendingConfig: LoadedConfig?
    /// Extra parts of the STATUS= summary from components outside the daemon (the agent
    /// forwarder's "forwarding" / "buffering N points"). Guarded by `lifecycleLock`.
    private var statusSources: [@Sendable () -> String?] = []
    /// Run after each reload (`addReloadHook`). Guarded by `lifecycleLock`.
    private var reloadHooks: [@Sendable () -> Void] = []

    /// Adds a part to the one-line summary (systemd STATUS=, `nazarctl status`). `source`
    /// is called under the daemon's lock: it must not block or call back into the daemon.
    public func addStatusSource(_ source: @escaping @Sendable () -> String?) {
        lifecycleLock.withLock { statusSources.append(source) }
    }

    /// Starts every enabled instance. Instances that fail are logged and left out; the
    /// daemon runs with the rest.
    public func start() {
        lifecycleLock.withLock {
            guard let loaded = pendingConfig else { return }
            pendingConfig = nil
            report(loaded.diagnostics)
            makeStateDirectory(config.stateDirectory)
            startStorage()
            apply(loaded.instances, diagnostics: loaded.diagnostics)
        }
    }

    /// Re-reads the configuration and applies the difference: new instances start,
    /// removed or disabled ones stop, changed ones (config or plugin file) restart,
    /// untouched ones keep running with their state. A nazar.toml that no longer loads
    /// leaves everything as it is.
    ///
    /// Then runs the reload hooks (`addReloadHook`), whether or not nazar.toml loaded.
    public func reload() {
        lifecycleLock.withLock { reloadLocked() }
        for hook in lifecycleLock.withLock({ reloadHooks }) { hook() }
    }

    /// Adds work to every `reload()` (SIGHUP) for a component outside the daemon that
    /// re-reads its own files, such as the HTTP API's keys: one signal handler, and
    /// `systemctl reload` returns after it. Hooks run in the order added, on the reloading
    /// thread, outside the daemon's lock (they may call into the daemon), after the
    /// configuration is applied.
    public func addReloadHook(_ hook: @escaping @Sendable () -> Void) {
        lifecycleLock.withLock { reloadHooks.append(hook) }
    }

    /// Lock held.
    private func reloadLocked() {
        logger.notice("reloading configuration", metadata: ["nazar_event": "reload"])
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: options.configPath)
        } catch {
            logger.error("reload failed, keeping the running configuration: \(error)",
                         metadata: ["nazar_event": "reload_failed"])
            return
        }
        report(loaded.diagnostics)
        var next = loaded.daemon
        if let dir = options.stateDirectory { next.stateDirectory = dir }
        if next.bus != config.bus || next.hostname != config.hostname || next.stateDirectory != config.stateDirectory
            || next.storage != config.storage || next.alerting != config.alerting || next.http != config.http {
            logger.warning("bus, storage, alerting, http, hostname or state_directory changes take effect at the next restart",
                           metadata: ["nazar_event": "reload_needs_restart"])
        }
        if next.searchPath != config.searchPath || next.strictPermissions != config.strictPermissions {
            loader = PluginLoader(searchPath: options.extraPluginDirectories + next.searchPath,
                                  strictPermissions: next.strictPermissions)
        }
        config.searchPath = next.searchPath
        config.strictPermissions = next.strictPermissions
        config.selfMetricsInterval = next.selfMetricsInterval
        apply(loaded.instances, diagnostics: loaded.diagnostics)
        logger.notice("reload complete: \(summaryLocked())", metadata: ["nazar_event": "reload_done"])
    }

    /// Stops every instance (collectors first, so detectors and notifiers see their last points).
    public func shutdown() {
        lifecycleLock.withLock {
            let order: [PluginKind] = [.collector, .detector, .notifier]
            for kind in order {
                // Detectors' last alerts reach the outbox before notifiers stop delivering.
                if kind == .notifier { alertManager.stop() }
                for (name, instance) in instances where instance.descriptor.kind == kind {
                    instance.stop()
                    instances[name] = nil
                    if kind == .notifier { alertManager.unregisterNotifier(name: name) }
                }
            }
            logger.notice("all instances stopped", metadata: ["nazar_event": "shutdown"])
            // After the instances: collectors' last points are confirmed or spooled.
            (bus as? RabbitMQBus)?.close()
            // After the producers, so their last points are written.
            storageWriter?.stop()
            storageWriter = nil
        }
    }

    /// Lock held. Reconciles running instances with `wanted`; plugins.d files that had
    /// errors are listed as failed under their file's name.
    private func apply(_ wanted: [PluginInstanceConfig], diagnostics: [ConfigDiagnostic]) {
        let enabled = wanted.filter(\.enabled)
        let enabledNames = Set(enabled.map(\.name))
        disabled = Set(wanted.filter { !$0.enabled }.map(\.name))
        for (name, instance) in instances where !enabledNames.contains(name) {
            let why = disabled.contains(name) ? "disabled" : "removed"
            logger.notice("stopping instance (\(why))", metadata: ["nazar_plugin": "\(name)", "nazar_event": "instance_\(why)"])
            if instance.isQuarantined { quarantineAlert(instance, "", firing: false) }
            instance.stop()
            instances[name] = nil
            alertManager.unregisterNotifier(name: name)
        }
        failures = failures.filter { enabledNames.contains($0.key) }
        let wantedNames = Set(wanted.map(\.name))
        for d in diagnostics where d.isError && d.file.hasSuffix(".toml") && d.file != options.configPath {
            let stem = String((d.file.split(separator: "/").last ?? "").dropLast(5))
            if !stem.isEmpty && !wantedNames.contains(stem) && failures[stem] == nil {
                failures[stem] = "config: \(d.description)"
            }
        }
        var toStart: [(PluginInstanceConfig, PluginDescriptor)] = []
        for cfg in enabled {
            let descriptor: PluginDescriptor
            do {
                descriptor = try loader.load(cfg.plugin)
            } catch {
                refuse(cfg, error)
                if instances[cfg.name] != nil {
                    // The file became unloadable: keep the running code rather than lose the instance.
                    logger.warning("keeping the running instance on its previously loaded code",
                                   metadata: ["nazar_plugin": "\(cfg.name)", "nazar_event": "instance_kept"])
                }
                continue
            }
            if let running = instances[cfg.name] {
                if running.config == cfg && running.descriptor.loadID == descriptor.loadID && !running.isQuarantined
                    && !running.hasFailed {
                    continue  // untouched: keeps running, keeps its state
                }
                logger.notice("restarting instance (config or plugin file changed, or quarantined)",
                              metadata: ["nazar_plugin": "\(cfg.name)", "nazar_event": "instance_changed"])
                if running.isQuarantined { quarantineAlert(running, "", firing: false) }
                running.stop()
                instances[cfg.name] = nil
                alertManager.unregisterNotifier(name: cfg.name)
            }
            toStart.append((cfg, descriptor))
        }
        // Consumers first, so the first points and alerts already have their subscribers.
        let order: [PluginKind: Int] = [.notifier: 0, .detector: 1, .collector: 2]
        for (cfg, descriptor) in toStart.sorted(by: { order[$0.1.kind, default: 3] < order[$1.1.kind, default: 3] }) {
            startInstance(cfg, descriptor)
        }
    }

    /// Checks every instance for a plugin call past its deadline and quarantines it, with
    /// a journal line and an alert (rule `plugin_quarantined`) so notifiers say so.
    /// Called from the daemon's main loop about once a second.
    public func superviseInstances() {
        let current = lifecycleLock.withLock { Array(instances.values) }
        for instance in current {
            if let why = instance.quarantineIfHung() {
                quarantineAlert(instance, why, firing: true)
            }
        }
    }

    private func quarantineAlert(_ instance: PluginInstance, _ why: String, firing: Bool) {
        let alert = AlertEvent(
            rule: "plugin_quarantined", severity: .critical, state: firing ? .firing : .resolved,
            labels: [("host", config.hostname), ("instance", instance.name), ("plugin", instance.descriptor.name)],
            summary: firing ? "plugin instance \(instance.name) quarantined: \(why)" : "plugin instance \(instance.name) replaced",
            value: .nan, score: .nan, timestamp: wallClockNanoseconds(), startsAt: 0, source: "nazard")
        if let event = firing ? alertBook.raise(alert) : alertBook.resolve(alert) {
            bus.publish(alert: event)
        }
    }

    /// Lock held. Starts the storage writer before any plugin publishes; a store that
    /// cannot be reached yet is retried by the writer, not fatal.
    private func startStorage() {
        let storage: (any Storage)?
        do {
            storage = try storageChoice.get()
        } catch {
            logger.error("storage disabled: \(error)", metadata: ["nazar_event": "storage_failed"])
            return
        }
        guard let storage else { return }
        let writer = StorageWriter(storage: storage, bus: bus, settings: config.storage, logger: logger)
        if writer.start() {
            storageWriter = writer
            logger.info("storage: \(storage.backendName)", metadata: ["nazar_event": "storage_started"])
        } else {
            logger.error("storage disabled: cannot start its thread", metadata: ["nazar_event": "storage_failed"])
        }
    }

    /// Lock held. The first notifier instance starts the manager; an agent that runs none
    /// never subscribes to alerts (with RabbitMQ the central daemon takes them).
    private func startAlertManager() {
        guard !alertManager.isRunning else { return }
        if alertManager.outbox is MemoryOutbox {
            logger.warning("storage backend \"none\": the notification outbox is in memory, and what it holds is lost when nazard stops",
                           metadata: ["nazar_event": "outbox_in_memory"])
        }
        alertManager.start(bus: bus)
        logger.info("alert manager started (outbox: \(alertManager.outbox.kind))", metadata: ["nazar_event": "alertmanager_started"])
    }

    private func refuse(_ cfg: PluginInstanceConfig, _ error: PluginLoadError) {
        failures[cfg.name] = error.explanation
        logger.error("\(error.description)", metadata: [
            "nazar_plugin": "\(cfg.name)", "nazar_event": "plugin_refused", "nazar_reason": "\(error.code)",
            "nazar_plugin_file": "\(error.path)", "nazar_config_file": "\(cfg.file)",
        ])
    }

    private func startInstance(_ cfg: PluginInstanceConfig, _ descriptor: PluginDescriptor) {
        let dir = "\(config.stateDirectory)/instances/\(cfg.name)"
        makeStateDirectory(dir)
        var delivery: NotifierDelivery?
        if descriptor.kind == .notifier {
            startAlertManager()
            delivery = alertManager.registerNotifier(name: cfg.name, patterns: cfg.bindingPatterns, callTimeout: cfg.callTimeout)
        }
        let instance = PluginInstance(config: cfg, descriptor: descriptor, bus: bus, alertBook: alertBook,
                                      hostname: config.hostname, stateDirectory: dir,
                                      batchSize: config.bus.batchSize, delivery: delivery, logger: logger,
                                      strictPermissions: config.strictPermissions)
        switch instance.start() {
        case .running:
            instances[cfg.name] = instance
            failures[cfg.name] = nil
        case let .failed(why):
            failures[cfg.name] = why
            if descriptor.kind == .notifier { alertManager.unregisterNotifier(name: cfg.name) }
        case let .quarantined(why):
            instances[cfg.name] = instance
            failures[cfg.name] = nil
            quarantineAlert(instance, why, firing: true)
        default:
            break
        }
    }

    private func report(_ diagnostics: [ConfigDiagnostic]) {
        for d in diagnostics {
            var metadata: Logger.Metadata = ["nazar_event": "config_\(d.severity.rawValue)", "nazar_config_file": "\(d.file)"]
            if let line = d.line { metadata["nazar_config_line"] = "\(line)" }
            if let key = d.key { metadata["nazar_config_key"] = "\(key)" }
            logger.log(level: d.severity == .error ? .error : .warning, "\(d.description)", metadata: metadata)
        }
    }

    private static func environment() -> [String: String] {
        var out: [String: String] = [:]
        if let v = getenv("CREDENTIALS_DIRECTORY") { out["CREDENTIALS_DIRECTORY"] = String(cString: v) }
        return out
    }

    private func makeStateDirectory(_ path: String) { Self.makeStateDirectory(path, logger: logger) }

    private static func makeStateDirectory(_ path: String, logger: Logger) {
        var partial = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            partial += "/\(part)"
            if mkdir(partial, 0o750) != 0 && errno != EEXIST {
                logger.warning("cannot create state directory \(partial): \(String(cString: strerror(errno)))",
                               metadata: ["nazar_event": "state_directory_failed"])
                return
            }
        }
    }

    // MARK: - Observation

    /// Every configured instance: running ones with their counters, failed, disabled.
    public var instanceStatuses: [DaemonStatus.Instance] {
        lifecycleLock.withLock {
            var out = instances.values.map { i in
                DaemonStatus.Instance(name: i.name, plugin: i.descriptor.name, kind: "\(i.descriptor.kind)", state: "\(i.state)",
                                      pointsPublished: i.stats.pointsPublished.load(ordering: .relaxed),
                                      pointsDelivered: i.stats.pointsDelivered.load(ordering: .relaxed),
                                      dropped: i.queueCounters?.dropped ?? 0)
            }
            for (name, why) in failures where instances[name] == nil {
                out.append(DaemonStatus.Instance(name: name, plugin: "", kind: "", state: "failed: \(why)"))
            }
            for name in disabled {
                out.append(DaemonStatus.Instance(name: name, plugin: "", kind: "", state: "disabled"))
            }
            return out.sorted { $0.name < $1.name }
        }
    }

    /// The running instance with this name, if any (tests and status).
    public func instance(named name: String) -> PluginInstance? {
        lifecycleLock.withLock { instances[name] }
    }

    /// One line for systemd's STATUS=.
    public var summary: String { lifecycleLock.withLock { summaryLocked() } }

    private func summaryLocked() -> String {
        let quarantined = instances.values.filter(\.isQuarantined).count
        // An isolated instance that crashed too often stays listed, as failed.
        let crashLooped = instances.values.filter(\.hasFailed).count
        let running = instances.count - quarantined - crashLooped
        var s = "\(running) instance\(running == 1 ? "" : "s") running"
        if quarantined > 0 { s += ", \(quarantined) quarantined" }
        if !failures.isEmpty || crashLooped > 0 { s += ", \(failures.count + crashLooped) failed" }
        if !disabled.isEmpty { s += ", \(disabled.count) disabled" }
        s += ", \(bus.registry.count) series"
        if let broker = bus as? RabbitMQBus { s += ", bus \(broker.state.rawValue)" }
        for source in statusSources { if let part = source() { s += ", \(part)" } }
        return s
    }

    /// The status file `nazarctl status` reads, when a runtime directory is configured.
    public var statusFile: StatusFile? { options.runtimeDirectory.map(StatusFile.init(directory:)) }

    /// Writes the status file (and, the first time, the pid file); failures are logged once.
    public func writeStatus(phase: String) {
        guard let file = statusFile else { return }
        let status = DaemonStatus(
            pid: getpid(), phase: phase, configPath: options.configPath, summary: summary, updatedAt: wallClockNanoseconds(),
            instances: instanceStatuses)
        do {
            if !wrotePID {
                makeStateDirectory(file.directory)
                try file.writePID(getpid())
                wrotePID = true
            }
            try file.write(status)
        } catch {
            if statusWarningLimiter.allow() {
                logger.warning("cannot write the status file: \(error)", metadata: ["nazar_event": "status_write_failed"])
            }
        }
    }

    /// Publishes self-metrics for every running instance once.
    public func publishSelfMetrics() {
        let (current, writer) = lifecycleLock.withLock { (Array(instances.values), storageWriter) }
        selfMetrics.publish(current, storage: writer.map { ($0.counters, $0.storage.backendName) },
                            alerting: alertManager.isRunning ? alertManager : nil)
    }
}
