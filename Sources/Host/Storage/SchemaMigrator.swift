/// Applies numbered schema versions in order, each in its own transaction, recording
/// them in `schema_migrations`. A database newer than the build is refused rather than
/// written with an older idea of the schema.
enum SchemaMigrator {
    /// `versions[i]` holds the statements of version i + 1; statements run as given.
    static func apply(_ versions: [[String]], on driver: any SQLDriver, now: Int64) throws(StorageError) {
        let op = "schema migration"
        try driver.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
                         [], operation: op)
        let current = Int(try driver.query("SELECT COALESCE(max(version), 0) FROM schema_migrations", [], operation: op)
            .first?[0].int ?? 0)
        guard current <= versions.count else {
            throw .schemaTooNew(backend: driver.backendName, found: current, supported: versions.count)
        }
        for version in (current + 1)...max(current + 1, versions.count) where version <= versions.count {
            let vop = "schema migration to version \(version)"
            try driver.query("BEGIN", [], operation: vop)
            do {
                for statement in versions[version - 1] {
                    try driver.query(statement, [], operation: vop)
                }
                try driver.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                                 [.int(Int64(version)), .int(now)], operation: vop)
                try driver.query("COMMIT", [], operation: vop)
            } catch {
                if driver.isConnected { _ = try? driver.query("ROLLBACK", [], operation: vop) }
                throw error
            }
        }
    }

    /// For a read-only connection: refuses a database without our schema or with a newer
    /// one, and applies nothing (an older schema is read as it is).
    static func check(_ versions: [[String]], on driver: any SQLDriver, location: String) throws(StorageError) {
        let op = "read schema version of \(location)"
        let found: Int
        do {
            found = Int(try driver.query("SELECT COALESCE(max(version), 0) FROM schema_migrations", [], operation: op).first?[0].int ?? 0)
        } catch let error where !error.isTransient {
            throw .statementFailed(backend: driver.backendName, operation: op,
                                   reason: "no nazar schema here (is this the store nazard writes?): \(error)")
        }
        guard found <= versions.count else {
            throw .schemaTooNew(backend: driver.backendName, found: found, supported: versions.count)
        }
    }

    /// Tables both backends create the same way, given their type names.
    static func commonTables(id: String, int: String, real: String, json: String) -> [String] {
        [
            """
            CREATE TABLE series (id \(id), metric TEXT NOT NULL, label_key TEXT NOT NULL, labels \(json) NOT NULL,
              host TEXT NOT NULL, UNIQUE (metric, label_key))
            """,
            "CREATE INDEX series_host ON series (host)",
            "CREATE TABLE rollup_state (tier TEXT PRIMARY KEY, done_until \(int) NOT NULL, dirty_from \(int))",
            "INSERT INTO rollup_state (tier, done_until) VALUES ('1m', 0), ('1h', 0)",
            """
            CREATE TABLE alert_history (id \(id), ts \(int) NOT NULL, fingerprint \(int) NOT NULL, rule TEXT NOT NULL,
              severity TEXT NOT NULL, state TEXT NOT NULL, labels \(json) NOT NULL, summary TEXT NOT NULL, value \(real),
              starts_at \(int) NOT NULL, source TEXT NOT NULL)
            """,
            "CREATE INDEX alert_history_ts ON alert_history (ts)",
            "CREATE INDEX alert_history_rule ON alert_history (rule, ts)",
            "CREATE INDEX alert_history_fingerprint ON alert_history (fingerprint, ts)",
            """
            CREATE TABLE silences (id \(id), matchers TEXT NOT NULL, starts_at \(int) NOT NULL, ends_at \(int) NOT NULL,
              created_by TEXT NOT NULL, comment TEXT NOT NULL)
            """,
            "CREATE INDEX silences_ends ON silences (ends_at)",
            """
            CREATE TABLE outbox (id \(id), notifier TEXT NOT NULL, fingerprint \(int) NOT NULL, payload TEXT NOT NULL,
              state TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at \(int) NOT NULL, lease_until \(int) NOT NULL,
              last_error TEXT NOT NULL, created_at \(int) NOT NULL, delivered_at \(int))
            """,
            "CREATE INDEX outbox_due ON outbox (notifier, state, next_attempt_at)",
        ] + [StorageTier.minute, .hour].map { tier in
            """
            CREATE TABLE \(tier.table) (series_id \(int) NOT NULL, bucket \(int) NOT NULL, min \(real) NOT NULL,
              max \(real) NOT NULL, sum \(real) NOT NULL, count \(int) NOT NULL, last \(real) NOT NULL,
              PRIMARY KEY (series_id, bucket))
            """
        }
    }
}
