@testable import PluginKit
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The algorithm core in PluginKit: scikit-learn's semantics, checked number by number.
@Suite("IsolationForest core")
struct ForestTests {
    @Test("c(n) matches scikit-learn's _average_path_length")
    func averagePathLength() {
        #expect(AveragePathLength.c(0) == 0)
        #expect(AveragePathLength.c(1) == 0)
        #expect(AveragePathLength.c(2) == 1)
        // 2(ln 2 + γ) − 4/3, and the value for ψ = 256 that normalises every default score.
        #expect(abs(AveragePathLength.c(3) - (2 * (log(2.0) + 0.5772156649015329) - 4.0 / 3.0)) < 1e-12)
        #expect(abs(AveragePathLength.c(256) - 10.244_770_920_298_8) < 1e-9)
    }

    @Test("height limit is ⌈log2 max(ψ, 2)⌉")
    func heightLimit() {
        #expect(IsolationForest.heightLimit(samples: 1) == 1)
        #expect(IsolationForest.heightLimit(samples: 2) == 1)
        #expect(IsolationForest.heightLimit(samples: 3) == 2)
        #expect(IsolationForest.heightLimit(samples: 256) == 8)
        #expect(IsolationForest.heightLimit(samples: 257) == 9)
    }

    @Test("ψ is clipped to the number of rows, and depth follows it")
    func sampleClipping() throws {
        let forest = try IsolationForest(fitting: (0..<100).map { Float($0) }, featureCount: 1)
        #expect(forest.sampleSize == 100)
        #expect(forest.depth == 7)
        #expect(forest.trainingRows == 100)
    }

    @Test("two points: one split, both at depth 1, score exactly 2^(−1/c(2)) = 0.5")
    func twoPoints() throws {
        let forest = try IsolationForest(fitting: [0, 1], featureCount: 1, parameters: .init(trees: 7, samples: 2))
        #expect(try forest.score([0]) == 0.5)
        #expect(try forest.score([1]) == 0.5)
        #expect(try forest.score([-100]) == 0.5)
    }

    @Test("three points on a line: E[h] agrees with the hand-derived tree probabilities")
    func handCheckedTree() throws {
        // Root threshold t ~ U[0, 10). t < 1 (p = 0.1): {0} is a leaf at depth 1, {1, 10}
        // split again (depth 2). t ≥ 1 (p = 0.9): {10} at depth 1, {0, 1} at depth 2.
        // So E[h(10)] = 0.1·2 + 0.9·1 = 1.1, E[h(0)] = 1.9, E[h(1)] = 2.
        let forest = try IsolationForest(fitting: [0, 1, 10], featureCount: 1,
                                         parameters: .init(trees: 20_000, samples: 3, seed: 7))
        let c3 = AveragePathLength.c(3)
        func meanPath(_ x: Float) throws -> Double { -log2(try forest.score([x])) * c3 }
        #expect(abs(try meanPath(10) - 1.1) < 0.01)
        #expect(abs(try meanPath(0) - 1.9) < 0.01)
        #expect(abs(try meanPath(1) - 2.0) < 1e-5)
        // One tree: every path is exactly 1 or 2.
        let one = try IsolationForest(fitting: [0, 1, 10], featureCount: 1, parameters: .init(trees: 1, samples: 3))
        for x: Float in [0, 1, 10] {
            let h = -log2(try one.score([x])) * c3
            #expect(abs(h - 1) < 1e-5 || abs(h - 2) < 1e-5)
        }
    }

    @Test("values equal in float32 are one value, as scikit-learn converts input to float32")
    func float32Conversion() throws {
        let a = Float(1.0)
        let b = Float(1.000_000_000_1 as Double)
        #expect(a == b)
        // Constant after conversion: no split, every row ends at the root with c(2) = 1.
        let forest = try IsolationForest(fitting: [a, b], featureCount: 1, parameters: .init(trees: 10, samples: 2))
        #expect(try forest.score([a]) == 0.5)
        #expect(try forest.score([100]) == 0.5)
    }

    @Test("a constant feature is never split on (scikit-learn skips constant features)")
    func constantFeature() throws {
        var rng = SplitMix64(seed: 3)
        var rows: [Float] = []
        for _ in 0..<500 { rows += [5, Float(rng.nextUnitDouble()), 5] }
        let forest = try IsolationForest(fitting: rows, featureCount: 3, parameters: .init(seed: 1))
        // Moving a constant feature anywhere cannot change any path.
        let base = try forest.score([5, 0.5, 5])
        #expect(try forest.score([-1e6, 0.5, 1e6]) == base)
        #expect(try forest.isolationCounts([5, 2, 5])[0] == 0)
        #expect(try forest.isolationCounts([5, 2, 5])[2] == 0)
        // All features constant: the whole forest is root leaves, score 2^(−c(ψ)/c(ψ)).
        let flat = try IsolationForest(fitting: [Float](repeating: 3, count: 600), featureCount: 2)
        #expect(abs(try flat.score([3, 3]) - 0.5) < 1e-6)
    }

    static func cluster(rows: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var out: [Float] = []
        for _ in 0..<rows {
            // Box–Muller: a 2-D standard normal cloud.
            let u = max(rng.nextUnitDouble(), 1e-12), v = rng.nextUnitDouble()
            let r = (-2 * log(u)).squareRoot()
            out += [Float(r * cos(2 * .pi * v)), Float(r * sin(2 * .pi * v))]
        }
        return out
    }

    @Test("obvious outliers score high, inliers low, all within (0, 1]")
    func outliersVersusInliers() throws {
        let data = ForestTests.cluster(rows: 2000, seed: 11)
        let forest = try IsolationForest(fitting: data, featureCount: 2, parameters: .init(seed: 5))
        let scores = try forest.scores(data)
        #expect(scores.allSatisfy { $0 > 0 && $0 <= 1 })
        let centre = try forest.score([0, 0])
        let far = try forest.score([8, -8])
        #expect(centre < 0.5)
        #expect(far > 0.7)
        // Far points are beyond every inlier's score.
        #expect(far > scores.max()!)
    }

    @Test("batch scorer, one-row scorer and the plain per-tree walk agree on every row (odd depth, partial groups and blocks)")
    func scorersAgree() throws {
        let data = ForestTests.cluster(rows: 64 * 3 + 17, seed: 2)
        // 37 trees: not a whole number of 8-tree groups; ψ = 100: depth 7 (odd).
        let forest = try IsolationForest(fitting: data, featureCount: 2, parameters: .init(trees: 37, samples: 100, seed: 9))
        let batch = try forest.scores(data)
        for r in 0..<batch.count {
            let row = Array(data[(2 * r)..<(2 * r + 2)])
            let single = try forest.score(row)
            let reference = exp2(-forest.referenceMeanPathLength(row) / forest.normaliser)
            // Same leaves; only the order of the double sum may differ (the AVX-512 kernel adds in lanes).
            #expect(abs(batch[r] - reference) < 1e-6)
            #expect(abs(single - reference) < 1e-6)
        }
    }

    @Test("deterministic per seed; another seed gives another forest")
    func determinism() throws {
        let data = ForestTests.cluster(rows: 1000, seed: 4)
        let a = try IsolationForest(fitting: data, featureCount: 2, parameters: .init(seed: 42))
        let b = try IsolationForest(fitting: data, featureCount: 2, parameters: .init(seed: 42))
        let c = try IsolationForest(fitting: data, featureCount: 2, parameters: .init(seed: 43))
        #expect(a.encoded() == b.encoded())
        #expect(a.encoded() != c.encoded())
        #expect(try a.scores(data) == b.scores(data))
    }

    @Test("bad input is refused with the row and feature named")
    func fitErrors() {
        #expect(throws: IsolationForestError.tooFewRows(1)) { try IsolationForest(fitting: [1, 2], featureCount: 2) }
        #expect(throws: IsolationForestError.raggedMatrix(values: 5, featureCount: 2)) {
            try IsolationForest(fitting: [1, 2, 3, 4, 5], featureCount: 2)
        }
        #expect(throws: IsolationForestError.nonFiniteValue(row: 1, feature: 0)) {
            try IsolationForest(fitting: [1, 2, .nan, 4, 5, 6], featureCount: 2)
        }
        #expect(throws: IsolationForestError.nonFiniteValue(row: 2, feature: 1)) {
            try IsolationForest(fitting: [1, 2, 3, 4, 5, Float(1e300 as Double)], featureCount: 2)
        }
        #expect(throws: IsolationForestError.noFeatures) { try IsolationForest(fitting: [], featureCount: 0) }
        #expect(throws: IsolationForestError.invalidParameter(name: "trees", value: 0)) {
            try IsolationForest(fitting: [1, 2, 3], featureCount: 1, parameters: .init(trees: 0))
        }
        #expect(throws: IsolationForestError.invalidParameter(name: "samples", value: 1)) {
            try IsolationForest(fitting: [1, 2, 3], featureCount: 1, parameters: .init(samples: 1))
        }
    }

    @Test("scoring a row of the wrong length is an error, not a crash")
    func wrongRowLength() throws {
        let forest = try IsolationForest(fitting: [1, 2, 3, 4], featureCount: 2)
        #expect(throws: IsolationForestError.wrongRowLength(expected: 2, got: 3)) { try forest.score([1, 2, 3]) }
        #expect(throws: IsolationForestError.raggedMatrix(values: 3, featureCount: 2)) { try forest.scores([1, 2, 3]) }
    }
}
