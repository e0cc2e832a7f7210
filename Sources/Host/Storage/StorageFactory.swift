/// Builds the configured `Storage` (without connecting: the writer connects and retries).
public enum StorageFactory {
    /// nil for `backend = "none"`. Throws when the DSN file cannot be read. `readOnly`
    /// opens an existing store for queries only (nazarctl): nothing is created or migrated,
    /// and a missing or newer schema is an error.
    public static func make(_ settings: StorageSettings, stateDirectory: String,
                            readOnly: Bool = false) throws(StorageError) -> (any Storage)? {
        switch settings.backend {
        case .none:
            return nil
        case .sqlite:
            let path = settings.sqlitePath(stateDirectory: stateDirectory)
            if readOnly { return SQLStore(driver: SQLiteDriver(path: path, readOnly: true), retention: settings.retention) }
            return sqlite(path: path, retention: settings.retention)
        case .postgresql:
            var dsn = settings.dsn ?? ""
            if let file = settings.dsnFile {
                do {
                    let text = try ConfigFiles.readFile(file).text
                    dsn = String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? "")
                } catch {
                    throw .invalidArgument(field: "storage.dsn_file", reason: "\(file): \(error.message)")
                }
            }
            guard !dsn.isEmpty else { throw .invalidArgument(field: "storage.dsn", reason: "empty connection string") }
            if readOnly {
                return SQLStore(driver: PostgresDriver(dsn: dsn, rawRetention: settings.retention.raw.nanoseconds, readOnly: true),
                                retention: settings.retention)
            }
            return postgresql(dsn: dsn, retention: settings.retention)
        }
    }

    /// The embedded store: one SQLite file in WAL mode, created with its directory's permissions.
    public static func sqlite(path: String, retention: StorageRetention = StorageRetention()) -> any Storage {
        SQLStore(driver: SQLiteDriver(path: path), retention: retention)
    }

    /// PostgreSQL through libpq; tables go in `schema` (created if missing).
    public static func postgresql(dsn: String, schema: String = "public",
                                  retention: StorageRetention = StorageRetention()) -> any Storage {
        SQLStore(driver: PostgresDriver(dsn: dsn, schema: schema, rawRetention: retention.raw.nanoseconds), retention: retention)
    }
}
