extension IsolationForest {
    /// Fits a forest on `rows`, a row-major matrix of `featureCount` columns of float32
    /// values (convert doubles with `Float(_:)`, as scikit-learn does).
    ///
    /// Deterministic for a given seed, matrix and parameters. Runs on the calling thread
    /// (O(t · ψ · log ψ)); callers on a hot path should fit on another thread and swap
    /// the result in. Throws for an empty or ragged matrix, fewer than 2 rows, bad
    /// parameters, or a non-finite value (naming its row and feature).
    public init(fitting rows: [Float], featureCount: Int, parameters: Parameters = Parameters()) throws(IsolationForestError) {
        guard featureCount > 0 else { throw .noFeatures }
        guard featureCount <= Int(Int16.max) else { throw .invalidParameter(name: "features", value: featureCount) }
        guard rows.count % featureCount == 0 else { throw .raggedMatrix(values: rows.count, featureCount: featureCount) }
        let n = rows.count / featureCount
        guard n >= 2 else { throw .tooFewRows(n) }
        guard parameters.trees >= 1, parameters.trees <= 100_000 else {
            throw .invalidParameter(name: "trees", value: parameters.trees)
        }
        guard parameters.samples >= 2, parameters.samples <= 1 << 16 else {
            throw .invalidParameter(name: "samples", value: parameters.samples)
        }
        if let bad = rows.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteValue(row: bad / featureCount, feature: bad % featureCount)
        }

        let psi = min(parameters.samples, n)
        let depth = IsolationForest.heightLimit(samples: psi)
        let inner = (1 << depth) - 1
        let leaves = 1 << depth
        var splits = [Split](repeating: .passThrough, count: parameters.trees * inner)
        var paths = [Float](repeating: 0, count: parameters.trees * leaves)
        var isolating = [Int16](repeating: -1, count: parameters.trees * leaves)
        func grow<Builder: IsolationTreeBuilding>(_ builder: inout Builder) {
            for tree in 0..<parameters.trees {
                splits.withUnsafeMutableBufferPointer { s in
                    paths.withUnsafeMutableBufferPointer { p in
                        isolating.withUnsafeMutableBufferPointer { f in
                            builder.buildTree(
                                splits: UnsafeMutableBufferPointer(rebasing: s[(tree * inner)..<((tree + 1) * inner)]),
                                paths: UnsafeMutableBufferPointer(rebasing: p[(tree * leaves)..<((tree + 1) * leaves)]),
                                isolating: UnsafeMutableBufferPointer(rebasing: f[(tree * leaves)..<((tree + 1) * leaves)]))
                        }
                    }
                }
            }
        }
        switch parameters.stream {
        case .splitMix64:
            var builder = TreeBuilder(rows: rows, featureCount: featureCount, rowCount: n,
                                      sampleSize: psi, depth: depth, seed: parameters.seed)
            grow(&builder)
        case .scikitLearn:
            // NumPy's RandomState takes a 32-bit seed.
            guard let seed = UInt32(exactly: parameters.seed) else {
                throw .invalidParameter(name: "seed", value: Int(truncatingIfNeeded: parameters.seed))
            }
            var builder = ScikitLearnTreeBuilder(rows: rows, featureCount: featureCount, rowCount: n,
                                                 sampleSize: psi, depth: depth, trees: parameters.trees, seed: seed)
            grow(&builder)
        }
        self.init(featureCount: featureCount, treeCount: parameters.trees, sampleSize: psi, depth: depth,
                  trainingRows: n, splits: splits, leafPathLengths: paths, isolatingFeatures: isolating)
    }
}

/// Grows one tree per call into the forest's flat complete-tree layout.
protocol IsolationTreeBuilding {
    mutating func buildTree(splits: UnsafeMutableBufferPointer<IsolationForest.Split>,
                            paths: UnsafeMutableBufferPointer<Float>,
                            isolating: UnsafeMutableBufferPointer<Int16>)
}

extension IsolationForest {
    /// Records a leaf of `count` sample rows at `level`: the pass-through nodes below it
    /// (the array's default) lead to its leftmost descendant on the last level, which
    /// holds its path length.
    static func writeLeaf(node: Int, level: Int, count: Int, lastFeature: Int16,
                          splits: UnsafeMutableBufferPointer<Split>,
                          paths: UnsafeMutableBufferPointer<Float>,
                          isolating: UnsafeMutableBufferPointer<Int16>) {
        var slot = node
        while slot < splits.count { slot = 2 * slot + 1 }
        slot -= splits.count
        paths[slot] = Float(Double(level) + AveragePathLength.c(count))
        isolating[slot] = lastFeature
    }

    /// Moves the sample rows order[lo..<hi] with x[feature] <= threshold to the front;
    /// returns the first index of the right part. Both parts are non-empty when
    /// min <= threshold < max.
    static func partition(_ order: inout [Int32], sample: [Float], featureCount d: Int,
                          lo: Int, hi: Int, feature: Int, threshold: Float) -> Int {
        var i = lo
        var j = hi - 1
        while i <= j {
            if sample[Int(order[i]) * d + feature] <= threshold {
                i += 1
            } else {
                order.swapAt(i, j)
                j -= 1
            }
        }
        return i
    }

    /// The smallest and largest value of `feature` over the sample rows order[lo..<hi].
    static func range(of feature: Int, order: [Int32], sample: [Float], featureCount d: Int,
                      lo: Int, hi: Int) -> (Float, Float) {
        var minValue = Float.infinity
        var maxValue = -Float.infinity
        for k in lo..<hi {
            let v = sample[Int(order[k]) * d + feature]
            minValue = min(minValue, v)
            maxValue = max(maxValue, v)
        }
        return (minValue, maxValue)
    }

    /// scikit-learn's threshold: uniform in [low, high) from `unit` in [0, 1), `high`
    /// mapped back to `low`, then rounded down to float32 (so float32(x) <= t decides
    /// exactly as scikit-learn's float32(x) <= double(t)).
    static func threshold(low: Double, high: Double, draw: Double) -> Float {
        var t = draw + low
        if t >= high { t = low }
        var rounded = Float(t)
        if Double(rounded) > t { rounded = rounded.nextDown }
        return rounded
    }
}

/// Grows one tree at a time over a shared random stream; scratch buffers are reused
/// across trees so fitting allocates O(ψ·d) once.
struct TreeBuilder: IsolationTreeBuilding {
    let rows: [Float]
    let featureCount: Int
    let rowCount: Int
    let sampleSize: Int
    let depth: Int
    var rng: SplitMix64
    /// A permutation of 0..<rowCount; a partial Fisher–Yates pass over its first ψ
    /// entries draws each tree's sample without replacement in O(ψ).
    var permutation: [Int32]
    /// The current tree's sample, ψ × d, so node scans touch contiguous memory.
    var sample: [Float]
    /// Sample rows of the node being split occupy order[lo..<hi].
    var order: [Int32]
    /// Features not yet found constant in the current node.
    var candidates: [Int]

    init(rows: [Float], featureCount: Int, rowCount: Int, sampleSize: Int, depth: Int, seed: UInt64) {
        self.rows = rows
        self.featureCount = featureCount
        self.rowCount = rowCount
        self.sampleSize = sampleSize
        self.depth = depth
        rng = SplitMix64(seed: seed)
        permutation = (0..<Int32(rowCount)).map { $0 }
        sample = [Float](repeating: 0, count: sampleSize * featureCount)
        order = [Int32](repeating: 0, count: sampleSize)
        candidates = Array(0..<featureCount)
    }

    mutating func buildTree(splits: UnsafeMutableBufferPointer<IsolationForest.Split>,
                            paths: UnsafeMutableBufferPointer<Float>,
                            isolating: UnsafeMutableBufferPointer<Int16>) {
        let d = featureCount
        for i in 0..<sampleSize {
            let j = i + rng.nextIndex(below: rowCount - i)
            permutation.swapAt(i, j)
            let source = Int(permutation[i]) * d
            for f in 0..<d { sample[i * d + f] = rows[source + f] }
            order[i] = Int32(i)
        }
        grow(node: 0, level: 0, lo: 0, hi: sampleSize, lastFeature: -1,
             splits: splits, paths: paths, isolating: isolating)
    }

    private mutating func grow(node: Int, level: Int, lo: Int, hi: Int, lastFeature: Int16,
                               splits: UnsafeMutableBufferPointer<IsolationForest.Split>,
                               paths: UnsafeMutableBufferPointer<Float>,
                               isolating: UnsafeMutableBufferPointer<Int16>) {
        let count = hi - lo
        if level < depth, count > 1, let (feature, threshold) = drawSplit(lo: lo, hi: hi) {
            let mid = IsolationForest.partition(&order, sample: sample, featureCount: featureCount,
                                                lo: lo, hi: hi, feature: feature, threshold: threshold)
            splits[node] = IsolationForest.Split(threshold: threshold, feature: Int32(feature))
            grow(node: 2 * node + 1, level: level + 1, lo: lo, hi: mid, lastFeature: Int16(feature),
                 splits: splits, paths: paths, isolating: isolating)
            grow(node: 2 * node + 2, level: level + 1, lo: mid, hi: hi, lastFeature: Int16(feature),
                 splits: splits, paths: paths, isolating: isolating)
            return
        }
        IsolationForest.writeLeaf(node: node, level: level, count: count, lastFeature: lastFeature,
                                  splits: splits, paths: paths, isolating: isolating)
    }

    /// scikit-learn's random splitter with max_features = 1: draw features uniformly
    /// among those not yet found constant in this node until one varies (max − min >
    /// 1e-7, its FEATURE_THRESHOLD); threshold uniform in [min, max), `max` mapped back to
    /// `min`. Nil when every feature is constant (the node becomes a leaf).
    private mutating func drawSplit(lo: Int, hi: Int) -> (Int, Float)? {
        let d = featureCount
        for f in 0..<d { candidates[f] = f }
        var remaining = d
        while remaining > 0 {
            let pick = rng.nextIndex(below: remaining)
            let feature = candidates[pick]
            let (minValue, maxValue) = IsolationForest.range(of: feature, order: order, sample: sample,
                                                             featureCount: d, lo: lo, hi: hi)
            let low = Double(minValue)
            let high = Double(maxValue)
            if high <= low + 1e-7 {
                remaining -= 1
                candidates.swapAt(pick, remaining)
                continue
            }
            return (feature, IsolationForest.threshold(low: low, high: high, draw: rng.nextUnitDouble() * (high - low)))
        }
        return nil
    }
}
