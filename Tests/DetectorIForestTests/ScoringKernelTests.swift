@testable import PluginKit
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The AVX-512 rank kernel (`IForestKernels`, `WideLayout`) and the portable walk must
/// find the same leaves as the plain per-tree walk on every row, including the rows
/// where a float32 comparison is closest to going the other way.
@Suite("IsolationForest scoring kernels")
struct ScoringKernelTests {
    /// Rows of `d` features; every third value is snapped to a value that is a threshold
    /// of the forest, or its float32 neighbour, so `x > t` is decided at the boundary.
    static func boundaryRows(_ forest: IsolationForest, base: [Float], rows: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        let thresholds = forest.splits.filter { $0.threshold.isFinite }
        var out = base
        let d = forest.featureCount
        for r in 0..<rows {
            for f in 0..<d where (r + f) % 3 == 0 {
                let candidates = thresholds.filter { Int($0.feature) == f }
                guard !candidates.isEmpty else { continue }
                let t = candidates[rng.nextIndex(below: candidates.count)].threshold
                switch rng.nextIndex(below: 3) {
                case 0: out[r * d + f] = t
                case 1: out[r * d + f] = t.nextUp
                default: out[r * d + f] = t.nextDown
                }
            }
        }
        return out
    }

    static func matrix(rows: Int, features d: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        // Heavy-tailed, with repeated values: what makes rank ties and long cut lists.
        return (0..<(rows * d)).map { i in
            let u = rng.nextUnitDouble()
            return i % 5 == 0 ? Float(Int(u * 7)) : Float(exp(6 * u) * (u < 0.5 ? -1 : 1))
        }
    }

    /// Checks every scorer against the reference walk on `data` and on its boundary
    /// variant: the portable batch walk exactly (same additions, same order), the kernel
    /// (where it runs) and `score(_:)` to 1e-12 of the mean path length.
    func check(_ forest: IsolationForest, _ data: [Float]) throws {
        let d = forest.featureCount
        let rows = data.count / d
        let probe = ScoringKernelTests.boundaryRows(forest, base: data, rows: rows, seed: 99)
        for matrix in [data, probe] {
            var portable = [Double](repeating: 0, count: rows)
            matrix.withUnsafeBufferPointer { m in
                portable.withUnsafeMutableBufferPointer { o in
                    forest.portablePathLengthSums(m.baseAddress!, count: rows, into: o.baseAddress!)
                }
            }
            let batch = try forest.scores(matrix)
            for r in 0..<rows {
                let row = Array(matrix[(r * d)..<((r + 1) * d)])
                let reference = forest.referenceMeanPathLength(row)
                #expect(portable[r] / Double(forest.treeCount) == reference, "row \(r)")
                let single = -log2(try forest.score(row)) * forest.normaliser
                let batched = -log2(batch[r]) * forest.normaliser
                #expect(abs(single - reference) <= 1e-12 * reference, "row \(r): one-row \(single) vs \(reference)")
                #expect(abs(batched - reference) <= 1e-12 * reference, "row \(r): batch \(batched) vs \(reference)")
            }
        }
    }

    @Test("rank layout: cuts per feature ascending and distinct; every node's rank points at its own threshold")
    func rankLayout() throws {
        let data = ScoringKernelTests.matrix(rows: 600, features: 5, seed: 1)
        let forest = try IsolationForest(fitting: data, featureCount: 5, parameters: .init(trees: 40, seed: 3))
        guard let wide = forest.wide else { return }  // no AVX-512 here: the portable path is all there is
        let inner = forest.internalCount
        for f in 0..<5 {
            let cuts = Array(wide.cuts[Int(wide.cutStart[f])..<Int(wide.cutStart[f + 1])])
            #expect(cuts == Array(Set(cuts)).sorted())
        }
        for tree in 0..<forest.treeCount {
            for n in 0..<inner {
                let split = forest.splits[tree * inner + n]
                let word = wide.nodes[((tree / 16) * inner + n) * 16 + tree % 16]
                let rank = Int(word & WideLayout.never)
                if !split.threshold.isFinite {
                    #expect(rank == Int(WideLayout.never))
                    continue
                }
                #expect(Int(word >> WideLayout.rankBits) == Int(split.feature))
                #expect(wide.cuts[Int(wide.cutStart[Int(split.feature)]) + rank] == split.threshold)
            }
        }
    }

    @Test("default forest (100 trees, depth 8), 10 features, 203 rows: same leaves on every path")
    func defaultForest() throws {
        let data = ScoringKernelTests.matrix(rows: 203, features: 10, seed: 2)
        try check(IsolationForest(fitting: data, featureCount: 10, parameters: .init(seed: 4)), data)
    }

    @Test("one feature, trees not a multiple of 16, odd depth")
    func oneFeature() throws {
        let data = ScoringKernelTests.matrix(rows: 150, features: 1, seed: 5)
        try check(IsolationForest(fitting: data, featureCount: 1, parameters: .init(trees: 21, samples: 100, seed: 6)), data)
    }

    @Test("17 and 32 features use the second register of ranks")
    func wideRows() throws {
        for d in [17, 32] {
            let data = ScoringKernelTests.matrix(rows: 90, features: d, seed: UInt64(d))
            try check(IsolationForest(fitting: data, featureCount: d, parameters: .init(trees: 50, seed: 7)), data)
        }
    }

    @Test("33 features: no kernel layout, the portable walk scores")
    func tooManyFeatures() throws {
        let data = ScoringKernelTests.matrix(rows: 80, features: 33, seed: 8)
        let forest = try IsolationForest(fitting: data, featureCount: 33, parameters: .init(trees: 20, seed: 1))
        #expect(forest.wide == nil)
        try check(forest, data)
    }

    @Test("two samples (depth 1) and a constant feature (pass-through nodes only)")
    func tinyTrees() throws {
        try check(IsolationForest(fitting: [0, 5, 1, 5], featureCount: 2, parameters: .init(trees: 18, samples: 2)),
                  [0, 5, 1, 5, -3, 5, 0.5, 5])
        try check(IsolationForest(fitting: [7, 7, 7], featureCount: 1, parameters: .init(trees: 5)), [7, 6, 8])
    }

    @Test("NaN and ±infinity go where the float compare sends them (NaN left, +inf right of every cut)")
    func nonFinite() throws {
        let data = ScoringKernelTests.matrix(rows: 300, features: 3, seed: 9)
        let forest = try IsolationForest(fitting: data, featureCount: 3, parameters: .init(trees: 30, seed: 2))
        let odd: [Float] = [.nan, 0, 1, .infinity, -.infinity, 2, 0, .nan, .infinity, -.greatestFiniteMagnitude, 0, 0]
        for r in 0..<4 {
            let row = Array(odd[(3 * r)..<(3 * r + 3)])
            let reference = forest.referenceMeanPathLength(row)
            #expect(abs(-log2(try forest.score(row)) * forest.normaliser - reference) <= 1e-12 * reference)
            #expect(abs(-log2(try forest.scores(row)[0]) * forest.normaliser - reference) <= 1e-12 * reference)
        }
    }
}
