import ArgumentParser
import Host
#if canImport(Glibc)
import Glibc
#endif

/// `nazarctl silence add|list|expire`: silences live in the store, which nazard re-reads
/// every second, so a silence made here takes effect within a second.
struct SilenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Add, list and expire silences (alerts matching them are recorded but not notified).",
        subcommands: [Add.self, List.self, Expire.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Silence alerts matching label matchers for a while.")

        @Option(name: .long, help: ArgumentHelp("Path of nazar.toml.", valueName: "path"))
        var config: String = "/etc/nazar/nazar.toml"

        @Option(name: .long, help: ArgumentHelp("Label matchers; rule and severity match the alert's own fields: '{host=\"web1\", rule=\"cpu_high\"}'.", valueName: "matchers"))
        var matchers: String

        @Option(name: .customLong("for"), help: ArgumentHelp("How long, e.g. 2h.", valueName: "duration"))
        var duration: String

        @Option(name: .long, help: ArgumentHelp("Why (shown by silence list).", valueName: "text"))
        var comment: String

        @Option(name: .long, help: ArgumentHelp("Who (default: $SUDO_USER, else $USER).", valueName: "name"))
        var author: String?

        func run() throws {
            let parsed = try parseMatchersOption(matchers)
            let length = try parseDurationOption(duration, option: "--for")
            let storage = try openConfiguredStorage(configPath: config)
            defer { storage.close() }
            let now = wallClockNanoseconds()
            let who = author ?? SilenceCommand.environment("SUDO_USER") ?? SilenceCommand.environment("USER") ?? "unknown"
            do {
                let id = try storage.createSilence(Silence(matchers: parsed, startsAt: now, endsAt: now + length,
                                                           createdBy: who, comment: comment))
                print("silence \(id) until \(formatTimestamp(now + length)) UTC")
            } catch {
                throw ValidationError("cannot create the silence: \(error)")
            }
        }
    }

    private static func environment(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        let s = String(cString: v)
        return s.isEmpty ? nil : s
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List active silences.")

        @Option(name: .long, help: ArgumentHelp("Path of nazar.toml.", valueName: "path"))
        var config: String = "/etc/nazar/nazar.toml"

        func run() throws {
            let storage = try openConfiguredStorage(configPath: config)
            defer { storage.close() }
            let silences: [Silence]
            do {
                silences = try storage.activeSilences(at: wallClockNanoseconds())
            } catch {
                throw ValidationError("cannot read silences: \(error)")
            }
            guard !silences.isEmpty else {
                print("no active silences")
                return
            }
            printInstanceTable(silences.map { s in
                [String(s.id), "{" + s.matchers.map(\.description).joined(separator: ", ") + "}", formatTimestamp(s.startsAt),
                 formatTimestamp(s.endsAt), s.createdBy, s.comment]
            }, header: ["ID", "MATCHERS", "STARTS (UTC)", "ENDS (UTC)", "AUTHOR", "COMMENT"])
        }
    }

    struct Expire: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now.")

        @Option(name: .long, help: ArgumentHelp("Path of nazar.toml.", valueName: "path"))
        var config: String = "/etc/nazar/nazar.toml"

        @Argument(help: "The silence's id (from silence list).")
        var id: Int64

        func run() throws {
            let storage = try openConfiguredStorage(configPath: config)
            defer { storage.close() }
            do {
                let active = try storage.activeSilences(at: wallClockNanoseconds())
                guard active.contains(where: { $0.id == id }) else {
                    throw ValidationError("no active silence \(id) (see nazarctl silence list)")
                }
                try storage.expireSilence(id: id, at: wallClockNanoseconds())
                print("silence \(id) expired")
            } catch let error as ValidationError {
                throw error
            } catch {
                throw ValidationError("cannot expire silence \(id): \(error)")
            }
        }
    }
}
