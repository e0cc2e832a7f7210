import ArgumentParser
import Host
#if canImport(Glibc)
import Glibc
#endif

/// `nazarctl status`: is nazard running, and how are its plugin instances doing.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether nazard runs and the state of every plugin instance.",
        discussion: "Reads the status file nazard keeps in its runtime directory (rewritten every few seconds). Exit status 3 when nazard is not running.")

    @Option(name: .customLong("runtime-dir"), help: ArgumentHelp("nazard's runtime directory (default $RUNTIME_DIRECTORY or /run/nazar).", valueName: "dir"))
    var runtimeDirectory: String?

    func run() throws {
        let file = StatusFile(directory: runtimeDirectory ?? StatusFile.defaultDirectory)
        guard let pid = file.runningPID() else {
            print("nazard is not running (no live pid in \(file.pidPath))")
            throw ExitCode(3)
        }
        let status: DaemonStatus
        do {
            status = try file.read()
        } catch {
            print("nazard is running (pid \(pid)) but its status cannot be read: \(error)")
            throw ExitCode(1)
        }
        let age = max(0, (wallClockNanoseconds() - status.updatedAt) / 1_000_000_000)
        print("nazard \(status.phase) (pid \(pid)), config \(status.configPath)")
        print("\(status.summary) — updated \(age)s ago")
        print("")
        printInstanceTable(status.instances.map { [$0.name, $0.plugin, $0.kind, $0.state, "\($0.pointsPublished)", "\($0.pointsDelivered)", "\($0.dropped)"] },
                           header: ["INSTANCE", "PLUGIN", "KIND", "STATE", "PUBLISHED", "DELIVERED", "DROPPED"])
    }
}

/// Prints rows as aligned columns; the last column is not padded.
func printInstanceTable(_ rows: [[String]], header: [String]) {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
    for row in all {
        var line = ""
        for (c, cell) in row.enumerated() {
            line += c == row.count - 1 ? cell : cell.padding(toLength: widths[c] + 2, withPad: " ", startingAt: 0)
        }
        print(line)
    }
}
