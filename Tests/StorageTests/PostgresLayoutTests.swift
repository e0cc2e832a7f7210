import Testing
@testable import Host

/// PostgreSQL's two layouts for raw points. TimescaleDB is in no Debian bookworm source
/// (`apt-cache search timescale` finds nothing on the test machines), so its layout is
/// checked as the SQL it would issue; the native day partitions, which every server
/// without the extension gets, are checked against the real server.
@Suite struct PostgresLayoutTests {
    @Test func timescaleLayoutIsAHypertableWithCompressionAndPolicies() {
        let day = PostgresSchema.day
        let v1 = PostgresSchema.migrations(.timescaledb)[0]
        #expect(v1.contains("INSERT INTO storage_layout (layout) VALUES ('timescaledb')"))
        #expect(v1.contains("CREATE TABLE points (series_id BIGINT NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL, PRIMARY KEY (series_id, ts))"))
        #expect(v1.contains("SELECT create_hypertable('points', 'ts', chunk_time_interval => \(day)::bigint)"))
        // Integer time needs a "now" in the same unit for the policies.
        #expect(v1.contains("SELECT set_integer_now_func('points', 'nazar_now_ns')"))
        #expect(v1.contains { $0.hasPrefix("CREATE FUNCTION nazar_now_ns() RETURNS BIGINT") && $0.contains("1000000000") })
        #expect(v1.contains("ALTER TABLE points SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'ts')"))
        #expect(v1.contains("SELECT add_compression_policy('points', compress_after => \(day)::bigint)"))
        #expect(!v1.contains { $0.contains("PARTITION BY") })
        let week: Int64 = 7 * day
        #expect(PostgresSchema.timescaleRetentionPolicy(rawRetention: week) == [
            "SELECT remove_retention_policy('points', if_exists => true)",
            "SELECT add_retention_policy('points', drop_after => \(week)::bigint)",
        ])
        #expect(PostgresSchema.timescaleDropChunks(before: 42) == "SELECT drop_chunks('points', older_than => 42::bigint)")
    }

    @Test func partitionLayoutIsRangePartitionedByDay() {
        let v1 = PostgresSchema.migrations(.partitions)[0]
        #expect(v1.contains { $0.hasSuffix("PRIMARY KEY (series_id, ts)) PARTITION BY RANGE (ts)") })
        #expect(!v1.contains { $0.contains("timescaledb") || $0.contains("hypertable") })
        #expect(PostgresSchema.partitionName(day: 20_412) == "points_d20412")
        #expect(PostgresSchema.partitionName(day: -3) == "points_dm3")
        #expect(PostgresSchema.day(ofPartition: "points_dm3") == -3)
    }

    /// The test server has no TimescaleDB: the store must notice and use day partitions,
    /// creating one per day written and dropping whole days for retention.
    @Test func aServerWithoutTheExtensionGetsDayPartitions() throws {
        guard let store = try TestStore.make(.postgresql) else { return }
        defer { store.cleanup() }
        guard let driver = (store.storage as? SQLStore)?.driver as? PostgresDriver else {
            Issue.record("not the PostgreSQL driver")
            return
        }
        let extensionRows = try driver.query("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'", [], operation: "test")
        #expect(extensionRows.first?[0].int == 0, "this test expects a server without TimescaleDB")
        #expect(driver.layout == .partitions)
        #expect(try driver.query("SELECT layout FROM storage_layout", [], operation: "test").first?[0].text == "partitions")

        let s = try store.series("disk.free")
        let day = PostgresSchema.day
        let today = TestStore.now / day
        try store.write([StoredPoint(series: s, timestamp: TestStore.now - day + 5, value: 1),
                         StoredPoint(series: s, timestamp: TestStore.now + 5, value: 2)])
        let partitions = try driver.query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'points'::regclass ORDER BY 1
            """, [], operation: "test").map { $0[0].text }
        #expect(partitions == [PostgresSchema.partitionName(day: today - 1), PostgresSchema.partitionName(day: today)])
    }
}
