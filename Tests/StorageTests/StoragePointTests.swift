import Testing
@testable import Host

/// Points: writes, idempotence, bad values, series matching, latest values, tier choice.
@Suite struct StoragePointTests {
    typealias T = TestStore

    @Test(arguments: Backend.allCases)
    func replayedPointsAreStoredOnce(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let s = try store.series("cpu.user", [("core", "0")])
        let points = (0..<1000).map { StoredPoint(series: s, timestamp: T.now - T.hour + Int64($0) * 1_000_000_000, value: Double($0)) }
        #expect(try store.write(points) == WriteResult(offered: 1000, nonFinite: 0, duplicates: 0))
        // A replay of the second half with different values, plus 10 new points.
        let replay = points[500...].map { StoredPoint(series: $0.series, timestamp: $0.timestamp, value: -1) }
            + (1000..<1010).map { StoredPoint(series: s, timestamp: T.now - T.hour + Int64($0) * 1_000_000_000, value: Double($0)) }
        #expect(try store.write(replay) == WriteResult(offered: 510, nonFinite: 0, duplicates: 500))
        #expect(try store.write(replay) == WriteResult(offered: 510, nonFinite: 0, duplicates: 510))
        // A point repeated inside one batch is stored once and counted once as a duplicate.
        let twice = StoredPoint(series: s, timestamp: T.now - 10, value: 1)
        #expect(try store.write([twice, twice]) == WriteResult(offered: 2, nonFinite: 0, duplicates: 1))
        #expect(try store.rawCount(s) == 1011)
        // The first value written wins.
        let r = try store.storage.range(series: s, from: points[700].timestamp, to: points[700].timestamp + 1, step: 1,
                                        aggregation: .last, tier: .raw, now: T.now)
        #expect(r.samples == [RangeSample(timestamp: points[700].timestamp, value: 700)])
        // The same series key maps to the same id, whatever the label order.
        #expect(try store.storage.seriesID(metric: "cpu.user", labels: [.init("host", "h1"), .init("core", "0")]) == s)
    }

    @Test(arguments: Backend.allCases)
    func nonFiniteValuesAreSkippedAndCounted(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let s = try store.series("temp")
        try store.write([StoredPoint(series: s, timestamp: T.now - 100, value: 1)])
        let result = try store.write([
            StoredPoint(series: s, timestamp: T.now - 90, value: .nan),
            StoredPoint(series: s, timestamp: T.now - 80, value: 2),
            StoredPoint(series: s, timestamp: T.now - 70, value: .infinity),
            StoredPoint(series: s, timestamp: T.now - 60, value: -.infinity),
        ])
        #expect(result == WriteResult(offered: 4, nonFinite: 3, duplicates: 0))
        let r = try store.storage.range(series: s, from: T.now - 1000, to: T.now, step: 1000, aggregation: .sum, tier: .raw, now: T.now)
        #expect(r.samples.map(\.value) == [3])
        #expect(try store.rawCount(s) == 2)
    }

    @Test(arguments: Backend.allCases)
    func seriesAreFoundByLabelMatchers(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let a = try store.series("disk.used", [("mount", "/")], host: "web1")
        let b = try store.series("disk.used", [("mount", "/var")], host: "web2")
        let c = try store.series("cpu.user", [], host: "web1")
        func ids(_ m: [LabelMatcher]) throws -> [Int64] { try store.storage.series(matching: m).map(\.id).sorted() }
        #expect(try ids([LabelMatcher("__name__", .equal, "disk.used")]) == [a, b].sorted())
        #expect(try ids([LabelMatcher("host", .equal, "web1")]) == [a, c].sorted())
        #expect(try ids([LabelMatcher("__name__", .equal, "disk.used"), LabelMatcher("mount", .notEqual, "/")]) == [b])
        // A missing label matches as "": Prometheus semantics.
        #expect(try ids([LabelMatcher("mount", .equal, "")]) == [c])
        #expect(try ids([LabelMatcher("mount", .notEqual, "")]) == [a, b].sorted())
        // Regex matchers are anchored and combine with equality ones.
        #expect(try ids(LabelMatcher.parseList("host=~web.*")) == [a, b, c].sorted())
        #expect(try ids(LabelMatcher.parseList("host=~web")) == [])
        #expect(try ids(LabelMatcher.parseList("{__name__=\"disk.used\", mount=~\"/v.*\"}")) == [b])
        #expect(try ids(LabelMatcher.parseList("__name__=~disk.*,mount!~/v.*")) == [a])
        #expect(try ids(LabelMatcher.parseList("mount!~.+")) == [c])
        // The SQL narrowing (literal prefix, PostgreSQL's ~) never drops a POSIX match:
        // optional last prefix character, top-level alternation, escapes, brackets.
        #expect(try ids(LabelMatcher.parseList("host=~\"web2?\"")) == [b])
        #expect(try ids(LabelMatcher.parseList("host=~\"web1?.?\"")) == [a, b, c].sorted())
        #expect(try ids(LabelMatcher.parseList("host=~\"xx|web2\"")) == [b])
        #expect(try ids(LabelMatcher.parseList("host=~\"w\\.b2|web[2]\"")) == [b])
        #expect(try ids(LabelMatcher.parseList("mount=~\"/[[:alpha:]]+|/\"")) == [a, b].sorted())
        #expect(try ids(LabelMatcher.parseList("host=~\"web1\",__name__=~\"(cpu|disk)[.]used\"")) == [a])
        #expect(try ids([]) == [a, b, c].sorted())
        let found = try store.storage.series(matching: [LabelMatcher("mount", .equal, "/var")])
        #expect(found == [StoredSeries(id: b, metric: "disk.used", labels: [.init("host", "web2"), .init("mount", "/var")])])
        #expect(throws: StorageError.invalidArgument(field: "matcher 'bad key'", reason: "label keys are [a-zA-Z_][a-zA-Z0-9_]*")) {
            try store.storage.series(matching: [LabelMatcher("bad key", .equal, "x")])
        }
    }

    @Test(arguments: Backend.allCases)
    func labelValuesSurviveQuotingAndUnicode(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let tricky = "a\"b\\c,d=e\n'; DROP TABLE series; -- ü"
        let s = try store.series("odd", [("path", tricky)])
        let found = try store.storage.series(matching: [LabelMatcher("path", .equal, tricky)])
        #expect(found.map(\.id) == [s])
        #expect(found.first?.label("path") == tricky)
        // Keys differing only by escaped characters stay distinct series.
        #expect(try store.series("odd", [("path", "a,b")]) != (try store.series("odd", [("path", "a"), ("b", "")])))
    }

    @Test(arguments: Backend.allCases)
    func latestValueOfEverySeriesOfAHost(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let a = try store.series("cpu.user", host: "web1")
        let b = try store.series("mem.used", host: "web1")
        let other = try store.series("cpu.user", host: "web2")
        try store.write([
            StoredPoint(series: a, timestamp: T.now - 30, value: 1), StoredPoint(series: a, timestamp: T.now - 10, value: 3),
            StoredPoint(series: a, timestamp: T.now - 20, value: 2), StoredPoint(series: b, timestamp: T.now - 50, value: 7),
            StoredPoint(series: other, timestamp: T.now - 1, value: 9),
        ])
        let latest = try store.storage.latest(host: "web1")
        #expect(latest.map(\.series.id) == [a, b])
        #expect(latest.map(\.value) == [3, 7])
        #expect(latest.map(\.timestamp) == [T.now - 10, T.now - 50])
        #expect(try store.storage.latest(host: "nobody").isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func rangeAggregatesPerStep(_ backend: Backend) throws {
        guard let store = try TestStore.make(backend) else { return }
        defer { store.cleanup() }
        let s = try store.series("load")
        let t0 = T.now - T.hour
        let sec: Int64 = 1_000_000_000
        // Steps of 10 s: [0,10) gets 1,2,3; [10,20) gets 10; [30,40) gets 5,4.
        try store.write([
            StoredPoint(series: s, timestamp: t0, value: 1), StoredPoint(series: s, timestamp: t0 + 3 * sec, value: 2),
            StoredPoint(series: s, timestamp: t0 + 9 * sec, value: 3), StoredPoint(series: s, timestamp: t0 + 10 * sec, value: 10),
            StoredPoint(series: s, timestamp: t0 + 31 * sec, value: 5), StoredPoint(series: s, timestamp: t0 + 35 * sec, value: 4),
        ])
        func run(_ a: StorageAggregation) throws -> [Double] {
            let r = try store.storage.range(series: s, from: t0, to: t0 + 40 * sec, step: 10 * sec, aggregation: a, tier: nil, now: T.now)
            #expect(r.tier == .raw)
            #expect(r.samples.map(\.timestamp) == [t0, t0 + 10 * sec, t0 + 30 * sec])
            return r.samples.map(\.value)
        }
        #expect(try run(.mean) == [2, 10, 4.5])
        #expect(try run(.min) == [1, 10, 4])
        #expect(try run(.max) == [3, 10, 5])
        #expect(try run(.sum) == [6, 10, 9])
        #expect(try run(.count) == [3, 1, 2])
        #expect(try run(.last) == [3, 10, 4])
        #expect(throws: StorageError.self) {
            try store.storage.range(series: s, from: t0, to: t0, step: 1, aggregation: .mean, tier: nil, now: T.now)
        }
        #expect(throws: StorageError.self) {
            try store.storage.range(series: s, from: t0, to: t0 + 10, step: 0, aggregation: .mean, tier: nil, now: T.now)
        }
    }

    @Test func tierChoiceFollowsRangeAndStep() {
        let r = StorageRetention()
        let now = T.now
        // Within raw retention and a fine step: raw.
        #expect(StorageTierChoice.pick(from: now - T.day, step: 10_000_000_000, now: now, retention: r) == .raw)
        // A step of 5 minutes over 7 days: the 1-minute roll-up is enough.
        #expect(StorageTierChoice.pick(from: now - 7 * T.day + T.hour, step: 5 * T.minute, now: now, retention: r) == .minute)
        // A step of a day: the hour tier.
        #expect(StorageTierChoice.pick(from: now - 30 * T.day, step: T.day, now: now, retention: r) == .hour)
        // Beyond raw retention, a fine step still needs a tier that has the data.
        #expect(StorageTierChoice.pick(from: now - 30 * T.day, step: 10_000_000_000, now: now, retention: r) == .minute)
        #expect(StorageTierChoice.pick(from: now - 365 * T.day, step: T.minute, now: now, retention: r) == .hour)
        // Older than every tier: the one reaching back furthest.
        #expect(StorageTierChoice.pick(from: now - 3000 * T.day, step: T.minute, now: now, retention: r) == .hour)
    }
}
