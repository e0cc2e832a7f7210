import Testing
@testable import Host

/// `nazar_regexp`, the SQL function the SQLite store registers so label regexes narrow
/// rows in the database: it must agree with `LabelMatcher` (anchored POSIX ERE).
@Suite struct SQLiteRegexpTests {
    @Test func agreesWithLabelMatcher() throws {
        guard let store = try TestStore.make(.sqlite) else { return }
        defer { store.cleanup() }
        guard let driver = (store.storage as? SQLStore)?.driver else {
            Issue.record("not the shared SQL store")
            return
        }
        let cases: [(String, String?)] = [
            ("web.*", "web1"), ("web", "aweb"), ("web", "web"), ("a|b", "b"), ("a|b", "ab"), ("[[:digit:]]+", "123"),
            ("x\\.y", "x.y"), ("x\\.y", "xzy"), ("(web|db)[0-9]?", "db"), (".+", nil), ("", nil), ("", "x"),
        ]
        for (pattern, value) in cases {
            let row = try driver.query("SELECT nazar_regexp($1, $2)", [.text(pattern), value.map(SQLValue.text) ?? .null],
                                       operation: "test")
            let swift = LabelMatcher("k", .regexMatch, pattern).matches(value: value ?? "")
            #expect(row.first?[0].int == (swift ? 1 : 0), "nazar_regexp('\(pattern)', \(value.map { "'\($0)'" } ?? "NULL"))")
        }
        #expect(throws: StorageError.self) {
            try driver.query("SELECT nazar_regexp('(', 'x')", [], operation: "bad pattern")
        }
    }
}
