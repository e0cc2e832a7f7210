import Testing
@testable import Host

/// The two lookups behind the API's `/api/v1/query?series=ID` and `/api/v1/hosts`: a
/// series by its id, and every host with its series count and newest point in one query.
@Suite struct StorageLookupTests {
    typealias T = TestStore

    @Test(arguments: Backend.allCases)
    func seriesByIDIsTheRegisteredSeriesWithItsLabels(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let plain = try store.series("cpu.user", [("core", "0")], host: "web1")
        // Labels that need escaping in the stored JSON come back as written.
        let odd = try store.series("disk.used", [("mount", "/var/lib \"x\",y"), ("dev", "sda\\1")], host: "db1")
        for id in [plain, odd] {
            let listed = try #require(try store.storage.series(matching: []).first { $0.id == id })
            #expect(try store.storage.series(id: id) == listed)
        }
        #expect(try store.storage.series(id: odd)?.label("mount") == "/var/lib \"x\",y")
        #expect(try store.storage.series(id: odd)?.metric == "disk.used")
        // Ids that were never handed out.
        #expect(try store.storage.series(id: max(plain, odd) + 1) == nil)
        #expect(try store.storage.series(id: 0) == nil)
        #expect(try store.storage.series(id: -1) == nil)
    }

    @Test(arguments: Backend.allCases)
    func hostsCountSeriesAndTakeTheNewestRawPoint(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let a = try store.series("cpu.user", host: "web1")
        let b = try store.series("mem.used", host: "web1")
        let c = try store.series("cpu.user", host: "web2")
        // A host whose series has no point yet, and one that sorts first only byte-wise.
        _ = try store.series("cpu.user", host: "web3")
        let upper = try store.series("load", host: "Zeta")
        try store.write([
            StoredPoint(series: a, timestamp: T.now - 30, value: 1), StoredPoint(series: a, timestamp: T.now - 10, value: 3),
            StoredPoint(series: b, timestamp: T.now - 5, value: 7), StoredPoint(series: c, timestamp: T.now - 50, value: 9),
            StoredPoint(series: upper, timestamp: T.now - T.day, value: 1),
        ])
        #expect(try store.storage.hosts() == [
            HostSummary(host: "Zeta", seriesCount: 1, lastSeen: T.now - T.day),
            HostSummary(host: "web1", seriesCount: 2, lastSeen: T.now - 5),
            HostSummary(host: "web2", seriesCount: 1, lastSeen: T.now - 50),
            HostSummary(host: "web3", seriesCount: 1, lastSeen: nil),
        ])
        // The same answer the API computed before from the series list and latest(host:).
        let all = try store.storage.series(matching: [])
        for h in try store.storage.hosts() {
            #expect(h.seriesCount == all.filter { $0.label("host") == h.host }.count)
            #expect(h.lastSeen == (try store.storage.latest(host: h.host).map(\.timestamp).max()))
        }
    }

    @Test(arguments: Backend.allCases)
    func anEmptyStoreHasNoHosts(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        #expect(try store.storage.hosts().isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func aHostWhoseRawPointsArePrunedKeepsItsSeriesButNotItsLastSeen(_ backend: Backend) throws {
        let retention = StorageRetention(raw: .seconds(86_400), minute: .seconds(3 * 86_400), hour: .seconds(10 * 86_400))
        guard let store = try TestStore.make(backend, retention: retention) else { return }
        defer { store.cleanup() }
        let old = try store.series("disk.io", host: "retired")
        let fresh = try store.series("disk.io", host: "web1")
        try store.write([StoredPoint(series: old, timestamp: T.now - 3 * T.day, value: 1),
                         StoredPoint(series: fresh, timestamp: T.now - T.hour, value: 2)])
        try store.storage.maintain(now: T.now)
        #expect(try store.storage.hosts() == [
            HostSummary(host: "retired", seriesCount: 1, lastSeen: nil),
            HostSummary(host: "web1", seriesCount: 1, lastSeen: T.now - T.hour),
        ])
    }
}
