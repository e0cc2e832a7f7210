import Foundation
import Testing
@testable import Host

/// The backends every storage test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgresql
    var testDescription: String { rawValue }
}

/// A fresh, empty store of one backend: a new SQLite file, or a new PostgreSQL schema on
/// the server scripts/start-postgres runs.
struct TestStore {
    let storage: any Storage
    let backend: Backend
    let cleanup: @Sendable () -> Void

    static let minute: Int64 = 60_000_000_000
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour
    /// A fixed "now" on a day boundary (2026-11-20T00:00Z), so buckets are easy to reason about.
    static let now: Int64 = 20_412 * day

    /// The PostgreSQL DSN from NAZAR_TEST_PG_DSN or the file scripts/start-postgres writes.
    static var postgresDSN: String? {
        if let env = ProcessInfo.processInfo.environment["NAZAR_TEST_PG_DSN"], !env.isEmpty { return env }
        let file = (ProcessInfo.processInfo.environment["NAZAR_PG_STATE"] ?? "/run/nazar-test") + "/pg.dsn"
        return (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    private static let counter = Counter()

    /// nil (with an issue recorded) when PostgreSQL is not running outside CI; under
    /// CI=true a missing server throws, failing the test.
    static func make(_ backend: Backend, retention: StorageRetention = StorageRetention()) throws -> TestStore? {
        switch backend {
        case .sqlite:
            let dir = try temporaryDirectory()
            let storage = StorageFactory.sqlite(path: "\(dir)/nazar.db", retention: retention)
            try storage.open()
            return TestStore(storage: storage, backend: backend) {
                storage.close()
                try? FileManager.default.removeItem(atPath: dir)
            }
        case .postgresql:
            guard let dsn = postgresDSN, !dsn.isEmpty else {
                let message = "PostgreSQL not running: start it with scripts/start-postgres (scripts/test does)"
                if isCI { throw StorageTestFailure(message) }
                Issue.record(Comment(rawValue: message))
                return nil
            }
            let schema = "t_\(getpid())_\(counter.next())_\(UInt32.random(in: 0...UInt32.max))"
            let storage = StorageFactory.postgresql(dsn: dsn, schema: schema, retention: retention)
            try storage.open()
            return TestStore(storage: storage, backend: backend) {
                storage.close()
                dropSchema(dsn: dsn, schema: schema)
            }
        }
    }

    /// Drops a test schema through a second store's connection.
    private static func dropSchema(dsn: String, schema: String) {
        let admin = PostgresDriver(dsn: dsn, schema: "public", rawRetention: 0)
        // Only the statement is needed, not the schema: connect without migrating.
        _ = try? admin.connectWithoutSchema()
        _ = try? admin.query("SET client_min_messages = warning", [], operation: "quiet")
        _ = try? admin.query("DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE", [], operation: "drop test schema")
        admin.disconnect()
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/nazar-storage-XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw StorageTestFailure("mkdtemp failed")
        }
        return String(cString: p)
    }

    /// The series id of a metric with labels (host added when missing).
    func series(_ metric: String, _ labels: [(String, String)] = [], host: String = "h1") throws -> Int64 {
        var l = labels.map { StoredSeries.Label($0.0, $0.1) }
        if !l.contains(where: { $0.key == "host" }) { l.append(.init("host", host)) }
        return try storage.seriesID(metric: metric, labels: l.sorted { $0.key < $1.key })
    }

    @discardableResult
    func write(_ points: [StoredPoint]) throws -> WriteResult {
        try points.withUnsafeBufferPointer { try storage.write($0) }
    }

    /// Number of raw points of a series in [from, to).
    func rawCount(_ series: Int64, from: Int64 = 0, to: Int64 = .max / 2) throws -> Int {
        let r = try storage.range(series: series, from: from, to: to, step: to - from, aggregation: .count, tier: .raw, now: Self.now)
        return r.samples.reduce(0) { $0 + Int($1.value) }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}

struct StorageTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
