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
        await Blocking.run { daemon.start() }

        let service = DaemonService(daemon: daemon, notifier: SystemdNotifier(), logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: service)]
        do {
            // The HTTP server stops with the daemon. If it cannot bind it logs why and ends
            // alone: collectors, detectors and notifiers keep running.
            if let http = try APIServer.makeService(daemon: daemon, logger: Logger(label: "nazard.http")) {
                services.append(.init(service: http, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
            }
        } catch {
            logger.critical("cannot start the HTTP API: \(error)", metadata: ["nazar_event": "start_failed"])
            await Blocking.run { daemon.shutdown() }
            throw ExitCode(78)
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
