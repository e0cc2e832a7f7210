#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An Isolation Forest (Liu, Ting & Zhou 2008) with scikit-learn's semantics: ψ rows
/// sampled without replacement per tree, height limit ⌈log2 ψ⌉, a uniformly drawn
/// non-constant feature and a uniform threshold between that feature's min and max in
/// the node, inputs as float32, path length = depth + c(n_leaf), score
/// s(x, ψ) = 2^(−E[h(x)] / c(ψ)) in (0, 1] (scikit-learn's `-score_samples`).
///
/// Trees are stored as flat arrays of *complete* binary trees of the height limit: node i
/// has children 2i+1 and 2i+2, and a leaf above the last level is turned into a chain of
/// pass-through nodes (threshold +∞, so always "left") ending at a leaf slot that holds its
/// path length. Every lookup is then exactly `depth` branch-free steps, which is what
/// makes scoring fast (see `scores(_:into:)`).
///
/// A value type, immutable after fitting: share it across threads freely.
public struct IsolationForest: Sendable {
    /// Fitting settings; the defaults are scikit-learn's (100 trees, ψ = 256).
    public struct Parameters: Sendable, Equatable {
        /// t, the number of trees.
        public var trees: Int
        /// ψ, the rows drawn per tree; clipped to the number of training rows.
        public var samples: Int
        /// Seed of the generator that draws samples, features and thresholds.
        public var seed: UInt64
        /// Which random stream draws them.
        public var stream: RandomStream

        public init(trees: Int = 100, samples: Int = 256, seed: UInt64 = 0, stream: RandomStream = .splitMix64) {
            self.trees = trees
            self.samples = samples
            self.seed = seed
            self.stream = stream
        }
    }

    /// The source of a fit's random draws. Both give forests of the same distribution;
    /// they differ in which forest a seed names.
    public enum RandomStream: String, Sendable, Equatable, CaseIterable {
        /// SplitMix64 (the default): fast, and the seed may be any 64-bit value.
        case splitMix64 = "splitmix64"
        /// scikit-learn 1.9's own draws (NumPy's legacy MT19937 and the tree splitter's
        /// xorshift32): for a seed ≤ 2³²−1 the fit grows exactly the trees of
        /// `sklearn.ensemble.IsolationForest(random_state=seed)` on the same rows, so a
        /// backtest can be compared with a scikit-learn notebook score for score. About
        /// as fast to fit for ψ ≪ n; O(n) more per tree when 0.01 < ψ/n < 0.99 (NumPy
        /// permutes all rows) and O(n) once for scikit-learn's random targets.
        case scikitLearn = "scikit-learn"
    }

    /// One inner node: go to the right child iff `x[feature] > threshold`.
    ///
    /// The threshold is scikit-learn's double threshold rounded *down* to float32, so
    /// `x <= threshold` decides exactly as scikit-learn's `float32(x) <= double(t)` does.
    @frozen public struct Split: Sendable, Equatable {
        public var threshold: Float
        public var feature: Int32

        /// Always goes left: fills the levels below an early leaf.
        static let passThrough = Split(threshold: .infinity, feature: 0)
    }

    /// Columns per row.
    public let featureCount: Int
    /// t.
    public let treeCount: Int
    /// ψ as used: min(requested samples, training rows).
    public let sampleSize: Int
    /// Height limit ⌈log2 max(ψ, 2)⌉; every lookup takes exactly this many steps.
    public let depth: Int
    /// Rows the forest was fitted on.
    public let trainingRows: Int

    /// `treeCount × internalCount` splits, tree after tree.
    let splits: [Split]
    /// `treeCount × leafCount` path lengths (depth of the leaf + c(rows in it)).
    let leafPathLengths: [Float]
    /// Per leaf slot, the feature of the last real split above it (−1 for a root leaf):
    /// the feature that isolated a point ending there. Only read by `explain`.
    let isolatingFeatures: [Int16]
    /// The portable one-row scorer's copy of the trees (empty where `wide` scores):
    /// groups of `lanes` trees with their nodes
    /// interleaved (node n of lane i at n·lanes + i), padded with empty trees to a whole
    /// group. One row then walks `lanes` trees at once — independent chains of loads the
    /// CPU overlaps — while each address is one base plus a small constant.
    let laneSplits: [Split]
    /// Leaf path lengths in the same interleaved layout (padding trees hold 0).
    let laneLeafPathLengths: [Float]
    /// The trees in the AVX-512 kernel's layout; nil where that kernel does not run.
    let wide: WideLayout?

    /// Trees walked together by the scorer.
    static let lanes = 8

    /// Internal nodes per tree: 2^depth − 1.
    public var internalCount: Int { (1 << depth) - 1 }
    /// Leaf slots per tree: 2^depth.
    public var leafCount: Int { 1 << depth }
    /// c(ψ), the normaliser of the mean path length.
    public var normaliser: Double { AveragePathLength.c(sampleSize) }

    init(featureCount: Int, treeCount: Int, sampleSize: Int, depth: Int, trainingRows: Int,
         splits: [Split], leafPathLengths: [Float], isolatingFeatures: [Int16]) {
        self.featureCount = featureCount
        self.treeCount = treeCount
        self.sampleSize = sampleSize
        self.depth = depth
        self.trainingRows = trainingRows
        self.splits = splits
        self.leafPathLengths = leafPathLengths
        self.isolatingFeatures = isolatingFeatures
        let wide = WideLayout(splits: splits, leafPathLengths: leafPathLengths, treeCount: treeCount, depth: depth,
                              featureCount: featureCount)
        self.wide = wide
        // The 8-lane copy serves only the portable one-row walk: skip it where the kernel scores.
        guard wide == nil else {
            laneSplits = []
            laneLeafPathLengths = []
            return
        }
        let lanes = IsolationForest.lanes
        let groups = (treeCount + lanes - 1) / lanes
        let inner = (1 << depth) - 1
        let leaves = 1 << depth
        var ls = [Split](repeating: .passThrough, count: groups * lanes * inner)
        var ll = [Float](repeating: 0, count: groups * lanes * leaves)
        for tree in 0..<treeCount {
            let group = tree / lanes, lane = tree % lanes
            for n in 0..<inner { ls[(group * inner + n) * lanes + lane] = splits[tree * inner + n] }
            for l in 0..<leaves { ll[(group * leaves + l) * lanes + lane] = leafPathLengths[tree * leaves + l] }
        }
        laneSplits = ls
        laneLeafPathLengths = ll
    }

    /// ⌈log2 max(ψ, 2)⌉, scikit-learn's `max_depth` for a forest of ψ samples.
    public static func heightLimit(samples: Int) -> Int {
        let n = max(samples, 2)
        var depth = 0
        while (1 << depth) < n { depth += 1 }
        return depth
    }

    /// The paper's s(x, ψ) for a mean path length.
    @inline(__always)
    func score(meanPathLength: Double) -> Double {
        exp2(-meanPathLength / normaliser)
    }
}

/// Why a forest could not be fitted or decoded.
public enum IsolationForestError: Error, Equatable, CustomStringConvertible, Sendable {
    case noFeatures
    /// The matrix length is not a multiple of the feature count.
    case raggedMatrix(values: Int, featureCount: Int)
    /// Fewer than two rows: c(ψ) would be 0 and no score is defined.
    case tooFewRows(Int)
    case invalidParameter(name: String, value: Int)
    /// NaN or ±∞ (also a finite double too large for float32), as scikit-learn refuses.
    case nonFiniteValue(row: Int, feature: Int)
    /// A row given to a scorer has the wrong number of values.
    case wrongRowLength(expected: Int, got: Int)
    /// A serialized model that is truncated, corrupt or from another format version.
    case corruptModel(String)

    public var description: String {
        switch self {
        case .noFeatures: return "a forest needs at least one feature"
        case let .raggedMatrix(values, d): return "\(values) values do not form rows of \(d) features"
        case let .tooFewRows(n): return "a forest needs at least 2 rows to fit, got \(n)"
        case let .invalidParameter(name, value): return "\(name) = \(value) is not allowed"
        case let .nonFiniteValue(row, feature): return "row \(row), feature \(feature): value is NaN, infinite or too large for float32"
        case let .wrongRowLength(expected, got): return "row has \(got) values, the model expects \(expected)"
        case let .corruptModel(reason): return "model data unusable: \(reason)"
        }
    }
}
