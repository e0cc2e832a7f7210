import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// libsqlite3 behind `SQLDriver`: one connection in WAL mode, prepared statements cached
/// by SQL text, points inserted through one reused `INSERT OR IGNORE`.
final class SQLiteDriver: SQLDriver {
    let path: String
    let backendName = "sqlite"
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// The batch sorted by (series, ts): consecutive inserts then land on the same
    /// B-tree leaf instead of one leaf per series, which is most of the cost.
    private var sorted: [StoredPoint] = []

    let dialect = SQLDialect(
        labelValue: { column, n in "json_extract(\(column), $\(n))" },
        labelKeyParameter: { key in .text("$.\(key)") },
        leaseLock: "",
        scanPerSeries: true,
        // glibc's regcomp, anchored in the function exactly as LabelMatcher does.
        regexMatch: { expression, n in "nazar_regexp($\(n), \(expression))" },
        bytewiseTextOrder: true)

    /// Read-only: opened with SQLITE_OPEN_READONLY, no migration (nazarctl's queries).
    let readOnly: Bool

    init(path: String, readOnly: Bool = false) {
        self.path = path
        self.readOnly = readOnly
    }

    deinit { disconnect() }

    var isConnected: Bool { db != nil }

    static let migrations: [[String]] = [
        SchemaMigrator.commonTables(id: "INTEGER PRIMARY KEY", int: "INTEGER", real: "REAL", json: "TEXT").map {
            // Roll-ups are looked up by their key only: no rowid needed.
            $0.hasPrefix("CREATE TABLE rollup_") ? $0 + " WITHOUT ROWID" : $0
        } + [
            """
            CREATE TABLE points (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
              PRIMARY KEY (series_id, ts)) WITHOUT ROWID
            """,
        ],
    ]

    func connect() throws(StorageError) {
        guard db == nil else { return }
        var handle: OpaquePointer?
        let mode = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let rc = sqlite3_open_v2(path, &handle, mode | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(handle)
            throw .unavailable(backend: backendName, operation: "open \(path)", reason: reason)
        }
        db = handle
        let registered = nazar_sqlite_register_regexp(handle)
        guard registered == SQLITE_OK else {
            let error = failure("register nazar_regexp", registered)
            disconnect()
            throw error
        }
        if readOnly {
            do {
                try query("PRAGMA busy_timeout = 5000", [], operation: "configure \(path)")
                try SchemaMigrator.check(Self.migrations, on: self, location: path)
            } catch {
                disconnect()
                throw error
            }
            return
        }
        do {
            // WAL: readers (API queries) never block the writer; NORMAL sync is durable
            // across process crashes and loses at most the last commits on power loss.
            try query("PRAGMA journal_mode = WAL", [], operation: "configure \(path)")
            try query("PRAGMA synchronous = NORMAL", [], operation: "configure \(path)")
            try query("PRAGMA busy_timeout = 5000", [], operation: "configure \(path)")
            // 64 MiB of page cache: the leaves of recent days stay in memory across batches.
            try query("PRAGMA cache_size = -65536", [], operation: "configure \(path)")
            // Checkpoint (and fsync the database) every ~40 MiB of WAL rather than every 4 MiB.
            try query("PRAGMA wal_autocheckpoint = 10000", [], operation: "configure \(path)")
            try SchemaMigrator.apply(Self.migrations, on: self, now: wallClockNanoseconds())
        } catch {
            disconnect()
            throw error
        }
    }

    func disconnect() {
        for (_, s) in statements { sqlite3_finalize(s) }
        statements = [:]
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    private func failure(_ operation: String, _ rc: Int32) -> StorageError {
        let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
        let primary = rc & 0xff
        if primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR || primary == SQLITE_FULL
            || primary == SQLITE_CANTOPEN {
            return .unavailable(backend: backendName, operation: "\(operation) (\(path))", reason: reason)
        }
        return .statementFailed(backend: backendName, operation: "\(operation) (\(path))", reason: reason)
    }

    /// The cached statement for `sql` (with `$n` rewritten to `?n`), reset and unbound.
    private func statement(_ sql: String, operation: String) throws(StorageError) -> OpaquePointer {
        if let s = statements[sql] { return s }
        guard let db else { throw .unavailable(backend: backendName, operation: operation, reason: "not connected") }
        var rewritten = ""
        var previous: Character = " "
        for c in sql {
            // `$` followed by a digit is a placeholder; JSON paths are bound, never inlined.
            if previous == "$" && c.isNumber { rewritten.removeLast(); rewritten += "?" }
            rewritten.append(c)
            previous = c
        }
        var s: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, rewritten, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
        guard rc == SQLITE_OK, let s else { throw failure("\(operation): prepare", rc) }
        statements[sql] = s
        return s
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue], operation: String) throws(StorageError) -> [[SQLValue]] {
        let s = try statement(sql, operation: operation)
        defer { sqlite3_reset(s); sqlite3_clear_bindings(s) }
        for (i, p) in parameters.enumerated() {
            let index = Int32(i + 1)
            switch p {
            case .null: sqlite3_bind_null(s, index)
            case let .int(v): sqlite3_bind_int64(s, index, v)
            case let .double(v): sqlite3_bind_double(s, index, v)
            case let .text(t): sqlite3_bind_text(s, index, t, -1, nazar_sqlite_transient())
            }
        }
        var rows: [[SQLValue]] = []
        let columns = sqlite3_column_count(s)
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure(operation, rc) }
            var row: [SQLValue] = []
            row.reserveCapacity(Int(columns))
            for c in 0..<columns {
                switch sqlite3_column_type(s, c) {
                case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(s, c)))
                case SQLITE_FLOAT: row.append(.double(sqlite3_column_double(s, c)))
                case SQLITE_NULL: row.append(.null)
                default: row.append(.text(sqlite3_column_text(s, c).map { String(cString: $0) } ?? ""))
                }
            }
            rows.append(row)
        }
        return rows
    }

    func insertPoints(_ points: UnsafeBufferPointer<StoredPoint>) throws(StorageError) -> Int {
        let op = "insert \(points.count) points"
        let s = try statement("INSERT OR IGNORE INTO points (series_id, ts, value) VALUES ($1, $2, $3)", operation: op)
        // An ignored row changes nothing, so the change counter counts real inserts.
        let changesBefore = sqlite3_total_changes64(db)
        sorted.removeAll(keepingCapacity: true)
        sorted.append(contentsOf: points)
        sorted.sort { $0.series != $1.series ? $0.series < $1.series : $0.timestamp < $1.timestamp }
        for p in sorted {
            sqlite3_bind_int64(s, 1, p.series)
            sqlite3_bind_int64(s, 2, p.timestamp)
            sqlite3_bind_double(s, 3, p.value)
            let rc = sqlite3_step(s)
            sqlite3_reset(s)
            guard rc == SQLITE_DONE else { throw failure(op, rc) }
        }
        return Int(sqlite3_total_changes64(db) - changesBefore)
    }

    func pruneRaw(before cutoff: Int64, seriesIDs: [Int64]) throws(StorageError) {
        for id in seriesIDs {
            try query("DELETE FROM points WHERE series_id = $1 AND ts < $2", [.int(id), .int(cutoff)], operation: "prune raw points")
        }
    }

    func bytesOnDisk() throws(StorageError) -> Int64 {
        // Checkpoint first so the WAL does not hide pages; the WAL file's size is added anyway.
        _ = try? query("PRAGMA wal_checkpoint(TRUNCATE)", [], operation: "checkpoint")
        var total: Int64 = 0
        for suffix in ["", "-wal"] {
            var st = stat()
            if stat(path + suffix, &st) == 0 { total += Int64(st.st_size) }
        }
        return total
    }
}
