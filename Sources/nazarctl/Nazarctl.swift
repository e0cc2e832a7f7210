import ArgumentParser

/// The admin's command-line tool for a nazar installation.
@main
struct Nazarctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nazarctl",
        abstract: "Inspect and operate the nazar monitoring daemon.",
        subcommands: [StatusCommand.self, PluginsCommand.self, CheckConfig.self, ReplayCommand.self, KeysCommand.self]
    )
}
