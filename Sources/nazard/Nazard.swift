import Agent
import API
import ArgumentParser
import Host
import Logging
import ServiceLifecycle

/// nazard: the Nazar monitoring daemon. Loads nazar.toml and one plugin instance per
/// plugins.d file, routes points and alerts between them, and runs until SIGTERM.
@main
struct Nazard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nazard",
        abstract: "The Nazar monitoring daemon.",
        discussion: """
            Reads the configuration (default /etc/nazar/nazar.toml) and starts one plugin \
            instance per enabled file in its plugins.d directory. SIGHUP reloads the \
            configuration without a restart; SIGTERM stops gracefully. Under systemd it \
            speaks sd_notify and logs to the journal; otherwise it logs logfmt on stderr.
            """)

    @Option(name: .long, help: "Path of nazar.toml.")
    var config: String = "/etc/nazar/nazar.toml"

    @Option(name: .customLong("plugin-dir"), help: "A directory searched for plugins before the configured search path (repeatable).")
    var pluginDirectories: [String] = []

    @Option(name: .customLong("state-dir"), help: "Overrides daemon.state_directory.")
    var stateDirectory: String?

    @Option(name: .customLong("runtime-dir"), help: "Where the status and pid files go (default $RUNTIME_DIRECTORY or /run/nazar).")
    var runtimeDirectory: String?

    @Option(name: .customLong("log-level"), help: "Overrides log.level (debug, info, notice, warning, error).")
    var logLevel: String?

    @Option(name: .customLong("log-target"), help: "Overrides log.target (auto, journal, stderr).")
    var logTarget: String?

    func run() async throws {
        let options = DaemonOptions(configPath: config, extraPluginDirectories: pluginDirectories,
                                    stateDirectory: stateDirectory,
                                    runtimeDirectory: runtimeDirectory ?? StatusFile.defaultDirectory)
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            // Logging is not configured yet: say it plainly on stderr, which systemd also
            // captures into the journal.
            printError("nazard: cannot start: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        let destination = LogDestination.detect(configured: logTarget ?? loaded.daemon.logTarget.rawValue)
        LoggingBootstrap.bootstrap(destination: destination, level: LogLevelName.parse(logLevel ?? loaded.daemon.logLevel))
        let logger = Logger(label: "nazard")
        let daemon: Daemon
        do {
            daemon = try Daemon(options: options, loaded: loaded, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)", metadata: ["nazar_event": "start_failed"])
            throw ExitCode(78)
        }
        // The HTTP API before anything starts: bad TLS files end the start here, with the
        // file named, before a plugin, the store or agent mode ran (no half-started daemon).
        // A port that cannot be bound is different: it is found when the service runs,
        // logged, and the daemon runs on without its API.
        let http: (any Service)?
        do {
            http = try APIServer.makeService(daemon: daemon, logger: Logger(label: "nazard.http"))
        } catch {
            logger.critical("cannot start the HTTP API: \(error)", metadata: ["nazar_event": "start_failed"])
            // The bus exists (a RabbitMQ connection may be opening); nothing else started.
            await Blocking.run { daemon.shutdown() }
            throw ExitCode(78)
        }
        // Agent mode subscribes before the instances start, so no first point is missed.
        let agent: AgentForwarder?
        do {
            agent = try AgentForwarder.make(config: daemon.config, bus: daemon.bus, logger: Logger(label: "nazard.agent"))
        } catch {
            logger.critical("cannot start agent mode: \(error)", metadata: ["nazar_event": "start_failed"])
            throw ExitCode(78)
        }
        if let agent {
            guard agent.start() else {
                logger.critical("cannot start agent mode: no threads", metadata: ["nazar_event": "start_failed"])
                throw ExitCode(71)  // EX_OSERR
            }
            daemon.addStatusSource { agent.statusText }
        }
        await Blocking.run { daemon.start() }

        let service = DaemonService(daemon: daemon, notifier: SystemdNotifier(), logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // Before the daemon: the group stops services in reverse order, so the forwarder
        // stops after the collectors and buffers their last points.
        if let agent { services.append(.init(service: AgentService(forwarder: agent))) }
        services.append(.init(service: service))
        // The HTTP server stops with the daemon. If it cannot bind it logs why and ends
        // alone: collectors, detectors and notifiers keep running.
        if let http {
            services.append(.init(service: http, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// Writes a line to stderr.
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

#if canImport(Glibc)
import Glibc
#endif
