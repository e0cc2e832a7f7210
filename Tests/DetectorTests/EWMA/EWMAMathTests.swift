@testable import DetectorEWMA
import Testing

@Suite("EWMA arithmetic")
struct EWMAMathTests {
    @Test("mean and variance follow the one-step-ahead recurrences, computed by hand")
    func handComputation() {
        var m = EWMAModel()
        // x0 = 10 initialises the mean; nothing to judge it against.
        #expect(m.observe(10, alpha: 0.5, clip: 0, floor: 0, warm: false) == 0)
        #expect(m.mean == 10 && m.variance == 0 && m.count == 1)
        // x1 = 12: d = 2, s = 0 -> z = +inf; m = 10 + 0.5*2 = 11; v = 0.5*(0 + 0.5*4) = 1
        #expect(m.observe(12, alpha: 0.5, clip: 0, floor: 0, warm: false) == .infinity)
        #expect(m.mean == 11 && m.variance == 1)
        // x2 = 8: d = -3, s = 1 -> z = -3; m = 11 - 1.5 = 9.5; v = 0.5*(1 + 0.5*9) = 2.75
        #expect(m.observe(8, alpha: 0.5, clip: 0, floor: 0, warm: true) == -3)
        #expect(m.mean == 9.5 && m.variance == 2.75 && m.count == 3)
    }

    @Test("until 1/alpha points the weight is 1/(n+1): exact running mean and population variance")
    func startsAsRunningMoments() {
        var m = EWMAModel()
        for x in [1.0, 2, 3, 4, 5] { _ = m.observe(x, alpha: 0.01, clip: 4, floor: 0, warm: false) }
        #expect(abs(m.mean - 3) < 1e-12 && abs(m.variance - 2) < 1e-12)
    }

    @Test("the smoothed statistic: f ← f + λ(x − f), judged with spread s·√(λ/(2−λ)), wins when further out")
    func smoothedStatistic() {
        var m = EWMAModel(count: 10, mean: 0, variance: 1, smoothed: 0)
        let scale = (0.5 / 1.5).squareRoot()
        // x = 1: point z = 1; f = 0.5, z_λ = 0.5 / scale ≈ 0.866 -> the point's z wins.
        #expect(m.observe(1, alpha: 0.1, clip: 0, floor: 0, warm: true, smoothing: 0.5, smoothingScale: scale) == 1)
        #expect(m.smoothed == 0.5)
        // m = 0.1, v = 0.9·(1 + 0.1) = 0.99. x = 1 again: point z = 0.9/√0.99 ≈ 0.905;
        // f = 0.75, z_λ = 0.65 / (√0.99 · scale) ≈ 1.131 -> the smoothed one wins.
        let z = m.observe(1, alpha: 0.1, clip: 0, floor: 0, warm: true, smoothing: 0.5, smoothingScale: scale)
        #expect(abs(z - 0.65 / (0.99.squareRoot() * scale)) < 1e-12)
    }

    @Test("a robust (clipped) update limits how far one spike moves the statistics")
    func clippedUpdate() {
        var m = EWMAModel(count: 10, mean: 11, variance: 1)
        // d = 10, s = 1, clip 1 -> step 1: m = 11.5, v = 0.5*(1 + 0.5*1) = 0.75; z is unclipped.
        #expect(m.observe(21, alpha: 0.5, clip: 1, floor: 0, warm: true) == 10)
        #expect(m.mean == 11.5 && m.variance == 0.75)
        // Not warm yet: the same spike is learned in full.
        var cold = EWMAModel(count: 10, mean: 11, variance: 1)
        _ = cold.observe(21, alpha: 0.5, clip: 1, floor: 0, warm: false)
        #expect(cold.mean == 16 && cold.variance == 25.5)
    }

    @Test("the stddev floor keeps a constant series finite and change from it infinite without one")
    func floorAndConstant() {
        var m = EWMAModel()
        for _ in 0..<50 { #expect(m.observe(7, alpha: 0.1, clip: 4, floor: 0, warm: true) == 0) }
        #expect(m.variance == 0)
        var floored = m
        #expect(m.observe(7.5, alpha: 0.1, clip: 4, floor: 0, warm: true) == .infinity)
        #expect(floored.observe(7.5, alpha: 0.1, clip: 4, floor: 0.25, warm: true) == 2)
    }

    @Test("score is 0.5 at k, 0 on the harmless side, 1 at infinity, and keeps order far in the tail")
    func score() {
        #expect(anomalyScore(directedZ: 4, k: 4) == 0.5)
        #expect(anomalyScore(directedZ: 0, k: 4) == 0)
        #expect(anomalyScore(directedZ: -9, k: 4) == 0)
        #expect(anomalyScore(directedZ: .infinity, k: 4) == 1)
        let scores = [1.0, 2, 4, 8, 16, 40, 100].map { anomalyScore(directedZ: $0, k: 4) }
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 < $1 })
        #expect(scores.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(Sidedness.upper.directed(-3) == -3 && Sidedness.lower.directed(-3) == 3 && Sidedness.both.directed(-3) == 3)
    }

    @Test("alarm discipline: consecutive points, resolve at clear_k, no new alert within rearm")
    func discipline() {
        let p = AlarmDiscipline.Parameters(k: 4, clearK: 2, consecutive: 2, rearmNanoseconds: 100)
        var a = AlarmDiscipline()
        var t: Int64 = 0
        func step(_ z: Double) -> AlarmDiscipline.Transition {
            t += 10
            return a.step(directedZ: z, at: t, p)
        }
        #expect(step(5) == .none)          // one point beyond k is not enough
        #expect(step(1) == .none)          // run broken
        #expect(step(5) == .none)
        #expect(step(5) == .fire)          // second in a row: t = 40
        #expect(step(9) == .none)          // still the same incident
        #expect(step(3) == .none)          // above clear_k: still open
        #expect(step(1.5) == .resolve)     // back within clear_k
        #expect(step(6) == .none)
        #expect(step(6) == .none)          // relapse at t = 90 < 40 + 100: disarmed
        for _ in 0..<4 { #expect(step(6) == .none) }  // t = 100 ... 130
        #expect(step(6) == .fire)          // t = 140: re-armed, run still going
    }
}
