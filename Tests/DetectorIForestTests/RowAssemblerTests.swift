@testable import DetectorIForest
import Testing

/// Alignment of one host's points into rows: gaps, NaN/Inf, disappearing series, late points.
@Suite("Row alignment")
struct RowAssemblerTests {
    static let s: Int64 = 1_000_000_000
    static let step = 10 * s

    @Test("points of one step form a row as soon as every metric has a value")
    func completeRow() {
        var a = RowAssembler(featureCount: 3, step: RowAssemblerTests.step)
        #expect(!a.add(feature: 0, value: 1, timestamp: 100 * RowAssemblerTests.s).completed)
        #expect(!a.add(feature: 2, value: 3, timestamp: 101 * RowAssemblerTests.s).completed)
        let e = a.add(feature: 1, value: 2, timestamp: 102 * RowAssemblerTests.s)
        #expect(e.completed)
        #expect(a.completedValues == [1, 2, 3])
        #expect(a.completedTimestamp == 102 * RowAssemblerTests.s)
        #expect(a.completedBucket == 10)
    }

    @Test("wide rows (274 metrics, as ODDS arrhythmia) complete and report what is missing")
    func wideRows() {
        var a = RowAssembler(featureCount: 274, step: RowAssemblerTests.step)
        for f in 0..<273 { #expect(!a.add(feature: f, value: Double(f), timestamp: 0).completed) }
        #expect(a.add(feature: 273, value: 273, timestamp: 0).completed)
        #expect(a.completedValues[200] == 200)
        for f in 0..<274 where f != 100 { _ = a.add(feature: f, value: 1, timestamp: RowAssemblerTests.step) }
        #expect(a.add(feature: 0, value: 1, timestamp: 2 * RowAssemblerTests.step).droppedIncomplete)
        #expect(a.missingInDroppedRow() == [100])
    }

    @Test("a metric repeated within a row keeps the later value")
    func lastValueWins() {
        var a = RowAssembler(featureCount: 2, step: RowAssemblerTests.step)
        _ = a.add(feature: 0, value: 1, timestamp: 0)
        _ = a.add(feature: 0, value: 5, timestamp: 1)
        #expect(a.add(feature: 1, value: 2, timestamp: 2).completed)
        #expect(a.completedValues == [5, 2])
    }

    @Test("a series that disappears: its rows are dropped (not forward-filled) and say what is missing")
    func disappearingSeries() {
        var a = RowAssembler(featureCount: 3, step: RowAssemblerTests.step)
        for f in 0..<3 { _ = a.add(feature: f, value: 1, timestamp: 0) }
        // Step 1: metric 1 is gone.
        _ = a.add(feature: 0, value: 1, timestamp: RowAssemblerTests.step)
        _ = a.add(feature: 2, value: 1, timestamp: RowAssemblerTests.step)
        // Step 2 arrives: the step-1 row is dropped, missing bit 1.
        let e = a.add(feature: 0, value: 1, timestamp: 2 * RowAssemblerTests.step)
        #expect(e.droppedIncomplete)
        #expect(a.missingInDroppedRow() == [1])
        #expect(!e.completed)
        // It comes back: rows complete again.
        _ = a.add(feature: 1, value: 1, timestamp: 2 * RowAssemblerTests.step)
        #expect(a.add(feature: 2, value: 1, timestamp: 2 * RowAssemblerTests.step).completed)
    }

    @Test("NaN or infinity poisons its row, which is reported instead of completed")
    func nonFinite() {
        var a = RowAssembler(featureCount: 2, step: RowAssemblerTests.step)
        _ = a.add(feature: 0, value: .nan, timestamp: 0)
        let e = a.add(feature: 1, value: 1, timestamp: 0)
        #expect(!e.completed)
        #expect(e.droppedNonFiniteFeature == 0)
        _ = a.add(feature: 0, value: 1, timestamp: RowAssemblerTests.step)
        let inf = a.add(feature: 1, value: -.infinity, timestamp: RowAssemblerTests.step)
        #expect(inf.droppedNonFiniteFeature == 1)
        // The next clean row is fine.
        _ = a.add(feature: 0, value: 1, timestamp: 2 * RowAssemblerTests.step)
        #expect(a.add(feature: 1, value: 1, timestamp: 2 * RowAssemblerTests.step).completed)
    }

    @Test("a point older than the open row is late and ignored")
    func latePoint() {
        var a = RowAssembler(featureCount: 2, step: RowAssemblerTests.step)
        _ = a.add(feature: 0, value: 1, timestamp: 5 * RowAssemblerTests.step)
        let e = a.add(feature: 1, value: 1, timestamp: 4 * RowAssemblerTests.step)
        #expect(e.late && !e.completed)
        #expect(a.add(feature: 1, value: 1, timestamp: 5 * RowAssemblerTests.step).completed)
    }

    @Test("a gap in time leaves a jump in completedBucket (the detector resets its run count on it)")
    func gap() {
        var a = RowAssembler(featureCount: 1, step: RowAssemblerTests.step)
        _ = a.add(feature: 0, value: 1, timestamp: 0)
        #expect(a.completedBucket == 0)
        _ = a.add(feature: 0, value: 1, timestamp: 60 * RowAssemblerTests.step)
        #expect(a.completedBucket == 60)
    }

    @Test("faster than the step: a second round in the same step is a second row")
    func fasterThanStep() {
        var a = RowAssembler(featureCount: 2, step: RowAssemblerTests.step)
        _ = a.add(feature: 0, value: 1, timestamp: 0)
        #expect(a.add(feature: 1, value: 2, timestamp: 0).completed)
        _ = a.add(feature: 0, value: 3, timestamp: RowAssemblerTests.s)
        #expect(a.add(feature: 1, value: 4, timestamp: RowAssemblerTests.s).completed)
        #expect(a.completedValues == [3, 4])
    }
}

@Suite("Training window")
struct TrainingWindowTests {
    @Test("keeps the newest rows in order once full; snapshots by count and by time")
    func ring() {
        var w = TrainingWindow(featureCount: 2, capacity: 3)
        for i in 0..<5 { w.append([Float(i), Float(10 * i)], timestamp: Int64(i)) }
        #expect(w.count == 3)
        let all = w.snapshot()
        #expect(all.values == [2, 20, 3, 30, 4, 40])
        #expect(all.firstTimestamp == 2 && all.lastTimestamp == 4)
        #expect(w.snapshot(limit: 2).values == [3, 30, 4, 40])
        #expect(w.snapshot(since: 4).values == [4, 40])
        #expect(w.oldestTimestamp == 2 && w.newestTimestamp == 4)
    }
}
