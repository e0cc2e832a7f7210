import ArgumentParser
import Host
#if canImport(Glibc)
import Glibc
#endif

/// `nazarctl keys add|list|revoke`: the HTTP API's keys. nazard notices the file changed
/// within a second (and re-reads it on SIGHUP).
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys for the HTTP API (ingest, read, admin).",
        subcommands: [Add.self, List.self, Revoke.self])

    /// Where the keys file is: --keys-file, else [http] keys_file of nazar.toml, else
    /// <state_directory>/api-keys.
    struct Location: ParsableArguments {
        @Option(name: .long, help: "Path of nazar.toml (to find [http] keys_file).")
        var config: String = "/etc/nazar/nazar.toml"

        @Option(name: .customLong("keys-file"), help: ArgumentHelp("The keys file itself (overrides nazar.toml).", valueName: "path"))
        var keysFile: String?

        func path() throws -> String {
            if let keysFile { return keysFile }
            do {
                let loaded = try ConfigLoader.load(path: config)
                return loaded.daemon.http.keysPath(stateDirectory: loaded.daemon.stateDirectory)
            } catch {
                throw ValidationError("cannot read \(config) to find the keys file (or pass --keys-file): \(error)")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it once (only its SHA-256 is stored).")

        @OptionGroup var location: Location

        @Option(help: "Who or what the key is for, e.g. web1-agent.")
        var name: String

        @Option(name: .customLong("scope"), help: "ingest, read or admin (repeatable).")
        var scopes: [String] = []

        @Option(help: "Only accept points whose host label is this host (points without one get it).")
        var host: String?

        @Option(help: "Points per second this key may ingest (default: [http] rate_limit).")
        var rate: Int?

        func run() throws {
            guard APIKey.isValidWord(name) else { throw ValidationError("--name '\(name)': use letters, digits, '.', '_' and '-'") }
            var scopeSet: Set<APIScope> = []
            for s in scopes {
                guard let scope = APIScope(rawValue: s) else {
                    throw ValidationError("--scope '\(s)' is not one of \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scopeSet.insert(scope)
            }
            guard !scopeSet.isEmpty else { throw ValidationError("give at least one --scope (ingest, read, admin)") }
            if let host, !APIKey.isValidWord(host) { throw ValidationError("--host '\(host)' is not a host name") }
            if let rate, rate <= 0 { throw ValidationError("--rate must be a positive number of points per second") }
            let path = try location.path()
            let (secret, key) = try APIKey.generate(name: name, scopes: scopeSet, host: host, rate: rate,
                                                    now: wallClockNanoseconds() / 1_000_000_000)
            try KeysFileLock.withLock(path) {
                var keys = try APIKeyFile.read(path: path)
                keys.append(key)
                try APIKeyFile.write(path: path, keys: keys)
            }
            print(secret)
            printError("created key \(key.id) (\(name)) in \(path); the key above is shown only once")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never the keys themselves).")
        @OptionGroup var location: Location

        func run() throws {
            let keys = try APIKeyFile.read(path: try location.path())
            printInstanceTable(keys.map { k in
                [k.id, k.name, APIScope.allCases.filter { k.scopes.contains($0) }.map(\.rawValue).joined(separator: ","),
                 k.host ?? "-", k.rate.map(String.init) ?? "default", "\(k.created)"]
            }, header: ["ID", "NAME", "SCOPES", "HOST", "RATE", "CREATED"])
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key by id; nazard refuses it within a second.")
        @OptionGroup var location: Location
        @Argument(help: "The key id (from keys list).") var id: String

        func run() throws {
            let path = try location.path()
            try KeysFileLock.withLock(path) {
                var keys = try APIKeyFile.read(path: path)
                guard keys.contains(where: { $0.id == id }) else { throw ValidationError("no key with id \(id) in \(path)") }
                keys.removeAll { $0.id == id }
                try APIKeyFile.write(path: path, keys: keys)
            }
            print("revoked \(id)")
        }
    }
}

/// Serialises read-modify-write of the keys file between concurrent `nazarctl keys` runs.
enum KeysFileLock {
    static func withLock(_ path: String, _ body: () throws -> Void) throws {
        let fd = open("\(path).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw ValidationError("cannot lock \(path).lock: \(String(cString: strerror(errno)))") }
        try body()
    }
}
