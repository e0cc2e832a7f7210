import ArgumentParser
import Host

/// `nazarctl check-config`: validates nazar.toml and plugins.d the way nazard would load
/// them, so an admin can check an edit before `systemctl reload nazar`.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check nazar.toml and every plugins.d file; exit 1 if any has an error.",
        discussion: "Prints each problem as file:line: key: message, then a one-line summary."
    )

    @Option(name: .long, help: ArgumentHelp("Path of nazar.toml.", valueName: "path"))
    var config: String = "/etc/nazar/nazar.toml"

    func run() throws {
        let check = ConfigLoader.check(path: config)
        for diagnostic in check.diagnostics {
            print(diagnostic)
        }
        print(check.summary)
        if check.hasErrors { throw ExitCode(1) }
    }
}
