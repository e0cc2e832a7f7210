import ArgumentParser
import Host

/// How `nazarctl query` and `nazarctl series` find the store: the `[storage]` table of
/// nazar.toml (SQLite file or PostgreSQL DSN / dsn_file), opened read-only.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Path of nazar.toml; its [storage] table names the store.", valueName: "path"))
    var config: String = "/etc/nazar/nazar.toml"

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Override the state directory (where the default SQLite file lives).", valueName: "dir"))
    var stateDirectory: String?

    /// The configured store, connected read-only; errors name the file or the database.
    func open() throws -> (any Storage) {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            throw ValidationError("\(error)")
        }
        let daemon = loaded.daemon
        guard let storage = try StorageFactory.make(daemon.storage, stateDirectory: stateDirectory ?? daemon.stateDirectory,
                                                    readOnly: true) else {
            throw ValidationError("\(config): [storage] backend is \"none\": nothing is stored")
        }
        try storage.open()
        return storage
    }
}

/// The text forms a query result can take.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

extension StoredSeries {
    /// `metric{key="value",…}` with `host` and every other label, as selectors write it.
    var selectorText: String {
        metric + "{" + labels.map { LabelMatcher($0.key, .equal, $0.value).description }.joined(separator: ",") + "}"
    }
}
