/// Builds the configured `Storage` (without connecting: the writer connects and retries).
public enum StorageFactory {
    /// nil for `backend = "none"`. Throws when the DSN file cannot be read.
    public static func make(_ settings: StorageSettings, stateDirectory: String) throws(StorageError) -> (any Storage)? {
        switch settings.backend {
        case .none:
            return nil
        case .sqlite:
            return sqlite(path: settings.sqlitePath(stateDirectory: stateDirectory), retention: settings.retention)
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
