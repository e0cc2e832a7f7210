import CPostgres
#if canImport(Glibc)
import Glibc
#endif

/// libpq behind `SQLDriver`: one connection, text-format parameters, and points loaded
/// with binary COPY. Optimistically straight into `points` (one index descent per row),
/// under a savepoint: a batch holding a point already stored fails with a unique
/// violation, is rolled back to the savepoint and goes the idempotent way — COPY into a
/// session temp table, then INSERT … ON CONFLICT DO NOTHING (a second descent per row for
/// the conflict check). After a batch with duplicates (a replay is under way) the next
/// batches go the idempotent way at once, until one finds no duplicate.
final class PostgresDriver: SQLDriver {
    let dsn: String
    /// The schema tables live in ("public" unless told); tests use one each.
    let schema: String
    let rawRetention: Int64
    let backendName = "postgresql"
    private var conn: OpaquePointer?
    private(set) var layout: PostgresSchema.Layout = .partitions
    /// Days whose partition exists; nil means "reload from the catalog".
    private var knownDays: Set<Int64>?
    private var copyBuffer: [UInt8] = []
    /// The batch sorted by (series, ts), so the insert-select walks the primary key in
    /// order instead of jumping to a different index leaf for every row.
    private var sorted: [StoredPoint] = []
    /// The previous batch held points already stored: try the direct COPY again only
    /// after a batch without.
    private var replaying = false
    /// SQLSTATE of the last failed statement ("" when it had none).
    private var lastSQLState = ""

    let dialect = SQLDialect(
        labelValue: { column, n in "(\(column) ->> CAST($\(n) AS TEXT))" },
        labelKeyParameter: { key in .text(key) },
        leaseLock: "FOR UPDATE SKIP LOCKED",
        scanPerSeries: false,
        regexMatch: { expression, n in "\(expression) ~ $\(n)" },
        regexParameter: { "^(?:\($0))$" },
        regexNeedsNoBackslash: true)

    /// Read-only session (default_transaction_read_only), no migration, no staging table:
    /// nazarctl's queries.
    let readOnly: Bool

    init(dsn: String, schema: String = "public", rawRetention: Int64, readOnly: Bool = false) {
        self.dsn = dsn
        self.schema = schema
        self.rawRetention = rawRetention
        self.readOnly = readOnly
    }

    deinit { disconnect() }

    var isConnected: Bool { conn != nil }

    /// Connects without touching any schema (administration, such as dropping one).
    func connectWithoutSchema() throws(StorageError) {
        guard conn == nil else { return }
        conn = try openConnection()
    }

    private func openConnection() throws(StorageError) -> OpaquePointer {
        guard let c = PQconnectdb(dsn) else {
            throw .unavailable(backend: backendName, operation: "connect", reason: "out of memory")
        }
        guard PQstatus(c) == CONNECTION_OK else {
            let reason = Self.trim(String(cString: PQerrorMessage(c)))
            PQfinish(c)
            throw .unavailable(backend: backendName, operation: "connect", reason: reason)
        }
        return c
    }

    func connect() throws(StorageError) {
        guard conn == nil else { return }
        conn = try openConnection()
        knownDays = nil
        do {
            let op = "prepare session"
            try query("SET client_min_messages = warning", [], operation: op)
            if schema != "public" {
                try query("CREATE SCHEMA IF NOT EXISTS \(Self.quote(schema))", [], operation: op)
            }
            if readOnly {
                try query("SET default_transaction_read_only = on", [], operation: op)
                try query("SET search_path TO \(Self.quote(schema)), public", [], operation: op)
                try SchemaMigrator.check(PostgresSchema.migrations(.partitions), on: self, location: "schema \(schema)")
                return
            }
            try query("SET search_path TO \(Self.quote(schema)), public", [], operation: op)
            layout = try detectLayout()
            try SchemaMigrator.apply(PostgresSchema.migrations(layout), on: self, now: wallClockNanoseconds())
            try query("CREATE TEMP TABLE IF NOT EXISTS staging_points (series_id BIGINT, ts BIGINT, value DOUBLE PRECISION) ON COMMIT DELETE ROWS",
                      [], operation: op)
            if layout == .timescaledb {
                for statement in PostgresSchema.timescaleRetentionPolicy(rawRetention: rawRetention) {
                    try query(statement, [], operation: op)
                }
            }
        } catch {
            disconnect()
            throw error
        }
    }

    /// The layout recorded at creation, or TimescaleDB for a new schema when the
    /// extension can be created.
    private func detectLayout() throws(StorageError) -> PostgresSchema.Layout {
        let op = "detect layout"
        let exists = try query("SELECT to_regclass('storage_layout') IS NOT NULL", [], operation: op).first?[0].text == "t"
        if exists {
            let stored = try query("SELECT layout FROM storage_layout", [], operation: op).first?[0].text ?? ""
            return PostgresSchema.Layout(rawValue: stored) ?? .partitions
        }
        do {
            try query("CREATE EXTENSION IF NOT EXISTS timescaledb", [], operation: op)
            return .timescaledb
        } catch let error where !error.isTransient {
            return .partitions
        }
    }

    func disconnect() {
        if let conn { PQfinish(conn) }
        conn = nil
        knownDays = nil
    }

    static func quote(_ identifier: String) -> String {
        var out = "\""
        for c in identifier { out += c == "\"" ? "\"\"" : String(c) }
        return out + "\""
    }

    private static func trim(_ s: String) -> String {
        String(s.reversed().drop(while: { $0 == "\n" || $0 == " " }).reversed())
    }

    /// Turns a failed result into an error; a lost connection is dropped so the next call reconnects.
    private func failure(_ result: OpaquePointer?, _ operation: String) -> StorageError {
        let message: String
        var sqlstate = ""
        if let result {
            message = Self.trim(String(cString: PQresultErrorMessage(result)))
            if let s = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) { sqlstate = String(cString: s) }
        } else {
            message = conn.map { Self.trim(String(cString: PQerrorMessage($0))) } ?? "no connection"
        }
        lastSQLState = sqlstate
        let lost = conn.map { PQstatus($0) != CONNECTION_OK } ?? true
        if lost || sqlstate.hasPrefix("08") || sqlstate.hasPrefix("57P") {
            disconnect()
            return .unavailable(backend: backendName, operation: operation, reason: message)
        }
        return .statementFailed(backend: backendName, operation: operation, reason: sqlstate.isEmpty ? message : "\(message) (SQLSTATE \(sqlstate))")
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue], operation: String) throws(StorageError) -> [[SQLValue]] {
        try run(sql, parameters, operation: operation) { Self.rows(of: $0) }
    }

    /// Runs a statement without a result set; returns how many rows it affected.
    func execute(_ sql: String, _ parameters: [SQLValue], operation: String) throws(StorageError) -> Int {
        try run(sql, parameters, operation: operation) { Int(String(cString: PQcmdTuples($0))) ?? 0 }
    }

    /// Runs one statement with text parameters and hands its successful result to `body`
    /// (the result is freed when `body` returns).
    private func run<R>(_ sql: String, _ parameters: [SQLValue], operation: String,
                        _ body: (OpaquePointer) -> R) throws(StorageError) -> R {
        guard let conn else { throw .unavailable(backend: backendName, operation: operation, reason: "not connected") }
        var cValues: [UnsafeMutablePointer<CChar>?] = parameters.map { p in
            switch p {
            case .null: return nil
            case let .int(v): return strdup(String(v))
            case let .double(v): return strdup(Self.floatText(v))
            case let .text(t): return strdup(t)
            }
        }
        defer { for p in cValues { free(p) } }
        let result = cValues.withUnsafeMutableBufferPointer { buf -> OpaquePointer? in
            guard let base = buf.baseAddress, !buf.isEmpty else {
                return PQexecParams(conn, sql, 0, nil, nil, nil, nil, 0)
            }
            // strdup'd pointers are read-only to libpq: the rebinding only adds `const`.
            return base.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { values in
                PQexecParams(conn, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK, let result else {
            throw failure(result, operation)
        }
        return body(result)
    }

    private static func rows(of result: OpaquePointer) -> [[SQLValue]] {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        guard rowCount > 0 else { return [] }
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var row: [SQLValue] = []
            row.reserveCapacity(Int(columnCount))
            for c in 0..<columnCount {
                if PQgetisnull(result, r, c) != 0 { row.append(.null); continue }
                let text = String(cString: PQgetvalue(result, r, c))
                switch PQftype(result, c) {
                case 20, 21, 23: row.append(Int64(text).map(SQLValue.int) ?? .text(text))
                case 700, 701, 1700: row.append(.double(Self.parseFloat(text)))
                default: row.append(.text(text))
                }
            }
            rows.append(row)
        }
        return rows
    }

    static func floatText(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Infinity" : "Infinity" }
        return String(v)
    }

    static func parseFloat(_ s: String) -> Double {
        switch s {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(s) ?? .nan
        }
    }

    // MARK: Points

    func insertPoints(_ points: UnsafeBufferPointer<StoredPoint>) throws(StorageError) -> Int {
        let op = "insert \(points.count) points"
        if layout == .partitions { try ensurePartitions(points) }
        sorted.removeAll(keepingCapacity: true)
        sorted.append(contentsOf: points)
        sorted.sort { $0.series != $1.series ? $0.series < $1.series : $0.timestamp < $1.timestamp }
        if !replaying {
            try query("SAVEPOINT nazar_copy", [], operation: op)
            do {
                try sorted.withUnsafeBufferPointer { (b) throws(StorageError) in try copy(b, into: "points", operation: op) }
                try query("RELEASE SAVEPOINT nazar_copy", [], operation: op)
                return sorted.count
            } catch where lastSQLState == "23505" {
                // unique_violation: some point is stored already.
                try query("ROLLBACK TO SAVEPOINT nazar_copy", [], operation: op)
            }
        }
        try sorted.withUnsafeBufferPointer { (b) throws(StorageError) in try copy(b, into: "staging_points", operation: op) }
        let inserted = try execute("INSERT INTO points (series_id, ts, value) SELECT series_id, ts, value FROM staging_points ON CONFLICT DO NOTHING",
                                   [], operation: op)
        replaying = inserted < sorted.count
        return inserted
    }

    /// Creates the day partitions the batch needs. Called inside the write transaction:
    /// if it rolls back the cache is reloaded (`transactionRolledBack`).
    private func ensurePartitions(_ points: UnsafeBufferPointer<StoredPoint>) throws(StorageError) {
        if knownDays == nil { knownDays = try loadPartitionDays() }
        var lastDay = Int64.min
        for p in points {
            let day = floorDiv(p.timestamp, PostgresSchema.day)
            if day == lastDay { continue }
            lastDay = day
            if knownDays?.contains(day) == true { continue }
            let from = day * PostgresSchema.day
            try query("CREATE TABLE IF NOT EXISTS \(PostgresSchema.partitionName(day: day)) PARTITION OF points FOR VALUES FROM (\(from)) TO (\(from + PostgresSchema.day))",
                      [], operation: "create partition for day \(day)")
            knownDays?.insert(day)
        }
    }

    private func loadPartitionDays() throws(StorageError) -> Set<Int64> {
        let rows = try query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'points'::regclass
            """, [], operation: "list partitions")
        return Set(rows.compactMap { PostgresSchema.day(ofPartition: $0[0].text) })
    }

    func transactionRolledBack() { knownDays = nil }

    /// Binary COPY: exact doubles, no float formatting, 38 bytes a point.
    private func copy(_ points: UnsafeBufferPointer<StoredPoint>, into table: String, operation: String) throws(StorageError) {
        guard let conn else { throw .unavailable(backend: backendName, operation: operation, reason: "not connected") }
        let start = PQexec(conn, "COPY \(table) (series_id, ts, value) FROM STDIN (FORMAT binary)")
        let startStatus = start.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        if startStatus != PGRES_COPY_IN {
            let error = failure(start, operation)
            PQclear(start)
            throw error
        }
        PQclear(start)
        copyBuffer.removeAll(keepingCapacity: true)
        copyBuffer.reserveCapacity(19 + points.count * 38 + 2)
        copyBuffer.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])
        @inline(__always) func be16(_ v: UInt16) { copyBuffer.append(UInt8(v >> 8)); copyBuffer.append(UInt8(v & 0xff)) }
        @inline(__always) func be32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { copyBuffer.append(contentsOf: $0) } }
        @inline(__always) func be64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { copyBuffer.append(contentsOf: $0) } }
        for p in points {
            be16(3)
            be32(8); be64(UInt64(bitPattern: p.series))
            be32(8); be64(UInt64(bitPattern: p.timestamp))
            be32(8); be64(p.value.bitPattern)
        }
        be16(0xFFFF)
        let sent = copyBuffer.withUnsafeBufferPointer { b -> Int32 in
            guard let base = b.baseAddress else { return -1 }
            return base.withMemoryRebound(to: CChar.self, capacity: b.count) { PQputCopyData(conn, $0, Int32(b.count)) }
        }
        let ended = sent == 1 ? PQputCopyEnd(conn, nil) : -1
        // Drain every result: the COPY's own, then the end of the command.
        var error: StorageError?
        while let r = PQgetResult(conn) {
            if PQresultStatus(r) != PGRES_COMMAND_OK && error == nil { error = failure(r, operation) }
            PQclear(r)
            if self.conn == nil { break }
        }
        if ended != 1 && error == nil { error = failure(nil, operation) }
        if let error { throw error }
    }

    func pruneRaw(before cutoff: Int64, seriesIDs: [Int64]) throws(StorageError) {
        switch layout {
        case .timescaledb:
            try query(PostgresSchema.timescaleDropChunks(before: cutoff), [], operation: "drop chunks")
        case .partitions:
            let days = try loadPartitionDays()
            for day in days.sorted() where (day + 1) * PostgresSchema.day <= cutoff {
                try query("DROP TABLE IF EXISTS \(PostgresSchema.partitionName(day: day))", [], operation: "drop partition of day \(day)")
            }
            knownDays = nil
        }
    }

    func bytesOnDisk() throws(StorageError) -> Int64 {
        var sql = "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c WHERE c.relnamespace = CAST($1 AS regnamespace) AND c.relkind = 'r'"
        if layout == .timescaledb { sql = "SELECT (\(sql)) + hypertable_size('points')" }
        return try query(sql, [.text(schema)], operation: "measure size").first?[0].int ?? 0
    }
}
