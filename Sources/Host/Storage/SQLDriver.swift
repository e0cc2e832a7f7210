/// A parameter or column value crossing between the shared SQL and a driver.
enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    var int: Int64? {
        switch self {
        case let .int(v): return v
        case let .double(v): return v.isFinite ? Int64(v) : nil
        case let .text(t): return Int64(t)
        case .null: return nil
        }
    }

    /// NULL reads as NaN: SQLite stores a NaN REAL as NULL.
    var double: Double {
        switch self {
        case let .int(v): return Double(v)
        case let .double(v): return v
        case let .text(t): return Double(t) ?? .nan
        case .null: return .nan
        }
    }

    var text: String {
        switch self {
        case let .text(t): return t
        case let .int(v): return String(v)
        case let .double(v): return String(v)
        case .null: return ""
        }
    }
}

/// What differs between the SQL the two backends accept; everything else is shared text
/// using `$1`-style placeholders (the SQLite driver rewrites them to `?1`).
struct SQLDialect: Sendable {
    /// An expression for the value of the label named by the parameter `$n` (or NULL).
    var labelValue: @Sendable (_ column: String, _ parameter: Int) -> String
    /// The parameter bound for a label key in `labelValue`.
    var labelKeyParameter: @Sendable (_ key: String) -> SQLValue
    /// Appended to the outbox lease sub-select so two daemons never lease one row.
    var leaseLock: String
    /// True when scans by time alone have no index (SQLite): roll-ups and pruning then
    /// walk the series and use the (series_id, ts) primary key.
    var scanPerSeries: Bool
    /// A condition "expression matches the regex bound as `$n`", for narrowing series
    /// lookups in the database; nil when the backend has none.
    var regexMatch: (@Sendable (_ expression: String, _ parameter: Int) -> String)? = nil
    /// The parameter bound for a matcher's pattern in `regexMatch` (anchoring it).
    var regexParameter: @Sendable (_ pattern: String) -> String = { $0 }
    /// True when the backend's regex dialect is POSIX ERE only for patterns without a
    /// backslash (PostgreSQL's ARE); such patterns are then not narrowed in SQL.
    var regexNeedsNoBackslash = false
    /// True when text compares byte by byte (SQLite's BINARY collation): a prefix is then
    /// a range an index can serve. PostgreSQL's order follows the database's collation,
    /// where it is not.
    var bytewiseTextOrder = false
}

/// The connection-level operations a backend provides to `SQLStore`.
///
/// Threading: not thread-safe; `SQLStore` serialises every call.
protocol SQLDriver: AnyObject {
    var backendName: String { get }
    var dialect: SQLDialect { get }
    var isConnected: Bool { get }

    /// Connects and brings the schema up to date (schema versions live in `schema_migrations`).
    func connect() throws(StorageError)
    func disconnect()

    /// Runs one statement; returns its rows (empty for statements without a result).
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue], operation: String) throws(StorageError) -> [[SQLValue]]

    /// Inserts points inside the caller's transaction, ignoring (series, ts) already stored
    /// (or repeated in the batch); returns how many rows were really inserted.
    func insertPoints(_ points: UnsafeBufferPointer<StoredPoint>) throws(StorageError) -> Int

    /// Deletes raw points older than `cutoff` (by whole partitions where the backend has them).
    func pruneRaw(before cutoff: Int64, seriesIDs: [Int64]) throws(StorageError)

    func bytesOnDisk() throws(StorageError) -> Int64

    /// Told after a transaction rolled back, so caches of what it created are dropped.
    func transactionRolledBack()
}

extension SQLDriver {
    func transactionRolledBack() {}
}
