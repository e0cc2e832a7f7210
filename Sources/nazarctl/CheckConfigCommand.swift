import ArgumentParser
import Host

/// `nazarctl check-config`: validates nazar.toml and plugins.d the way nazard would load
/// them, so an admin can check an edit before `systemctl reload nazar`.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check nazar.toml and every plugins.d file; exit 1 if any has an error.",
        discussion: "Prints each problem as file:line: key: message, then a one-line summary. Also checks that every enabled instance's plugin library would load (search path, permissions, ABI version, kind) without creating any instance."
    )

    @Option(name: .long, help: ArgumentHelp("Path of nazar.toml.", valueName: "path"))
    var config: String = "/etc/nazar/nazar.toml"

    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp("A directory searched for plugins before the configured search path (repeatable).", valueName: "dir"))
    var pluginDirectories: [String] = []

    @Flag(name: .customLong("no-plugins"), help: "Check only the files, not the plugin libraries they name.")
    var skipPlugins = false

    func run() throws {
        var check = ConfigLoader.check(path: config)
        if !skipPlugins, let daemon = check.daemon {
            check.diagnostics += PluginCheck.check(check.instances, searchPath: pluginDirectories + daemon.searchPath,
                                                  strictPermissions: daemon.strictPermissions)
        }
        for diagnostic in check.diagnostics {
            print(diagnostic)
        }
        print(check.summary)
        if check.hasErrors { throw ExitCode(1) }
    }
}
