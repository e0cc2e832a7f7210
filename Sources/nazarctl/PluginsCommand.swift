import ArgumentParser
import Host
#if canImport(Glibc)
import Glibc
#endif

/// `nazarctl plugins list|enable|disable`.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List plugin instances, or switch one on or off.",
        subcommands: [List.self, Enable.self, Disable.self])

    struct Locations: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Path of nazar.toml.", valueName: "path"))
        var config: String = "/etc/nazar/nazar.toml"

        @Option(name: .customLong("runtime-dir"), help: ArgumentHelp("nazard's runtime directory (default $RUNTIME_DIRECTORY or /run/nazar).", valueName: "dir"))
        var runtimeDirectory: String?

        var statusFile: StatusFile { StatusFile(directory: runtimeDirectory ?? StatusFile.defaultDirectory) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every instance in plugins.d: running, disabled, failed (and why), as the running nazard sees it.")

        @OptionGroup var locations: Locations

        func run() throws {
            let check = ConfigLoader.check(path: locations.config)
            let file = locations.statusFile
            let live = file.runningPID() != nil ? try? file.read() : nil
            var rows: [[String]] = []
            var seen = Set<String>()
            for instance in check.instances {
                seen.insert(instance.name)
                let running = live?.instances.first { $0.name == instance.name }
                let state: String
                if !instance.enabled {
                    state = "disabled"
                } else if let running {
                    state = running.state
                } else {
                    state = live == nil ? "enabled (nazard not running)" : "enabled (not loaded: run nazarctl check-config)"
                }
                rows.append([instance.name, instance.plugin, running?.kind ?? "", state, displayPath(instance.file)])
            }
            for d in check.diagnostics where d.isError {
                let name = String((d.file.split(separator: "/").last ?? "").dropLast(5))
                if !seen.contains(name), d.file.hasSuffix(".toml"), d.file != locations.config {
                    seen.insert(name)
                    rows.append([name, "", "", "failed: \(d.description)", displayPath(d.file)])
                }
            }
            for extra in live?.instances ?? [] where !seen.contains(extra.name) {
                rows.append([extra.name, extra.plugin, extra.kind, extra.state + " (removed from plugins.d; reload to stop)", ""])
            }
            printInstanceTable(rows, header: ["INSTANCE", "PLUGIN", "KIND", "STATE", "FILE"])
        }

        private func displayPath(_ p: String) -> String { p }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set enabled = true in an instance's plugins.d file and reload nazard.")
        @OptionGroup var locations: Locations
        @Argument(help: "The instance name (its file name without .toml, or its name = …).") var name: String
        @Flag(name: .customLong("no-reload"), help: "Only edit the file.") var noReload = false

        func run() throws { try switchInstance(name, on: true, locations, reload: !noReload) }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set enabled = false in an instance's plugins.d file and reload nazard.")
        @OptionGroup var locations: Locations
        @Argument(help: "The instance name (its file name without .toml, or its name = …).") var name: String
        @Flag(name: .customLong("no-reload"), help: "Only edit the file.") var noReload = false

        func run() throws { try switchInstance(name, on: false, locations, reload: !noReload) }
    }
}

/// Edits the instance's file, checks the result still loads, then sends SIGHUP to nazard
/// (what `systemctl reload nazar` does).
func switchInstance(_ name: String, on: Bool, _ locations: PluginsCommand.Locations, reload: Bool) throws {
    let check = ConfigLoader.check(path: locations.config)
    guard let instance = check.instances.first(where: { $0.name == name }) else {
        let known = check.instances.map(\.name).sorted().joined(separator: ", ")
        printError("nazarctl: no plugin instance named '\(name)' in the plugins.d of \(locations.config) (known: \(known.isEmpty ? "none" : known))")
        throw ExitCode(1)
    }
    if instance.enabled == on {
        print("\(name) is already \(on ? "enabled" : "disabled") (\(instance.file))")
        return
    }
    let original: String
    do {
        original = try readWhole(instance.file)
    } catch {
        printError("nazarctl: \(error)")
        throw ExitCode(1)
    }
    let edited = PluginsDEditor.setEnabled(on, in: original)
    do {
        try replaceKeepingMode(instance.file, with: edited)
    } catch {
        printError("nazarctl: \(error)")
        throw ExitCode(1)
    }
    let after = ConfigLoader.check(path: locations.config)
    if let problem = after.diagnostics.first(where: { $0.isError && $0.file == instance.file }) {
        try? replaceKeepingMode(instance.file, with: original)
        printError("nazarctl: the edited file does not load, left unchanged: \(problem)")
        throw ExitCode(1)
    }
    print("\(name): enabled = \(on) in \(instance.file)")
    guard reload else { return }
    guard let pid = locations.statusFile.runningPID() else {
        print("nazard is not running; the change applies when it starts")
        return
    }
    guard kill(pid, SIGHUP) == 0 else {
        printError("nazarctl: cannot signal nazard (pid \(pid)): \(String(cString: strerror(errno))); run: systemctl reload nazar")
        throw ExitCode(1)
    }
    print("reloading nazard (pid \(pid))")
}

struct FileError: Error, CustomStringConvertible {
    var description: String
}

func readWhole(_ path: String) throws -> String {
    guard let f = fopen(path, "r") else { throw FileError(description: "\(path): \(String(cString: strerror(errno)))") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 8192)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: buf[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Writes a sibling temp file with the original's mode and owner, then renames it over.
func replaceKeepingMode(_ path: String, with text: String) throws {
    var st = stat()
    guard stat(path, &st) == 0 else { throw FileError(description: "\(path): \(String(cString: strerror(errno)))") }
    let tmp = "\(path).nazarctl-tmp"
    guard let f = fopen(tmp, "w") else { throw FileError(description: "\(tmp): \(String(cString: strerror(errno)))") }
    let ok = fputs(text, f) >= 0
    fclose(f)
    chmod(tmp, st.st_mode & 0o7777)
    _ = chown(tmp, st.st_uid, st.st_gid)
    guard ok, rename(tmp, path) == 0 else {
        unlink(tmp)
        throw FileError(description: "cannot replace \(path): \(String(cString: strerror(errno)))")
    }
}
