/// Grows the trees scikit-learn 1.9's `IsolationForest(random_state: seed)` grows, draw
/// for draw: the same bagging seeds, subsamples, features and thresholds, so for a given
/// seed both libraries hold the same forest (checked tree by tree against scikit-learn by
/// `bench/iforest_sklearn_stream_check.py`; unit tests pin scores it printed).
///
/// Where scikit-learn's randomness comes from (sklearn/ensemble/_bagging.py, _base.py,
/// tree/_splitter.pyx, utils/_random.pyx):
/// - `RandomState(seed).randint(2³¹−1, size: t)`: one seed sᵢ per tree;
/// - the subsample: `sample_without_replacement(n, ψ)` on a fresh `RandomState(sᵢ)`;
/// - the tree's own `random_state` is `RandomState(sᵢ).randint(2³¹−1)`, and its splitter
///   seeds a xorshift32 (`our_rand_r`) with `RandomState(that).randint(0, 2³¹−1)`;
/// - the splitter keeps one `features` array per tree and, per node, how many of its
///   first entries are known to be constant; it draws with `rand_int` (modulo) until a
///   feature varies by more than 1e-7, then the threshold with `rand_uniform`.
/// - the random regression target `RandomState(seed).uniform(size: n)` only matters
///   through the "node impurity ≤ ε is a leaf" rule, kept for exactness.
/// Nodes are grown depth first, left child first — scikit-learn's stack order.
struct ScikitLearnTreeBuilder: IsolationTreeBuilding {
    let rows: [Float]
    let featureCount: Int
    let rowCount: Int
    let sampleSize: Int
    let depth: Int
    /// Per tree, scikit-learn's estimator seed sᵢ.
    private let treeSeeds: [UInt32]
    private var nextTree = 0
    /// The random regression target of every training row.
    private let target: [Double]
    private var xorshift: UInt32 = 0
    /// The splitter's `features` and `constant_features` arrays.
    private var features: [Int]
    private var constantFeatures: [Int]
    /// The current tree's sample, ψ × d, and the node's rows in order[lo..<hi].
    private var sample: [Float]
    private var sampleTarget: [Double]
    private var order: [Int32]

    init(rows: [Float], featureCount: Int, rowCount: Int, sampleSize: Int, depth: Int,
         trees: Int, seed: UInt32) {
        self.rows = rows
        self.featureCount = featureCount
        self.rowCount = rowCount
        self.sampleSize = sampleSize
        self.depth = depth
        var targetStream = NumpyRandomState(seed: seed)
        target = (0..<rowCount).map { _ in targetStream.unitDouble() }
        var seeds = NumpyRandomState(seed: seed)
        treeSeeds = (0..<trees).map { _ in seeds.interval(2_147_483_646) }
        features = Array(0..<featureCount)
        constantFeatures = [Int](repeating: 0, count: featureCount)
        sample = [Float](repeating: 0, count: sampleSize * featureCount)
        sampleTarget = [Double](repeating: 0, count: sampleSize)
        order = [Int32](repeating: 0, count: sampleSize)
    }

    mutating func buildTree(splits: UnsafeMutableBufferPointer<IsolationForest.Split>,
                            paths: UnsafeMutableBufferPointer<Float>,
                            isolating: UnsafeMutableBufferPointer<Int16>) {
        let treeSeed = treeSeeds[nextTree]
        nextTree += 1
        var bagging = NumpyRandomState(seed: treeSeed)
        let indices = bagging.sampleWithoutReplacement(population: rowCount, count: sampleSize).sorted()
        var estimator = NumpyRandomState(seed: treeSeed)
        var splitterSeed = NumpyRandomState(seed: estimator.interval(2_147_483_646))
        xorshift = splitterSeed.interval(2_147_483_646)
        for f in 0..<featureCount { features[f] = f }

        let d = featureCount
        for (i, source) in indices.enumerated() {
            let from = Int(source) * d
            for f in 0..<d { sample[i * d + f] = rows[from + f] }
            sampleTarget[i] = target[Int(source)]
            order[i] = Int32(i)
        }
        grow(node: 0, level: 0, lo: 0, hi: sampleSize, impurity: impurity(lo: 0, hi: sampleSize),
             knownConstants: 0, lastFeature: -1, splits: splits, paths: paths, isolating: isolating)
    }

    private mutating func grow(node: Int, level: Int, lo: Int, hi: Int, impurity: Double,
                               knownConstants: Int, lastFeature: Int16,
                               splits: UnsafeMutableBufferPointer<IsolationForest.Split>,
                               paths: UnsafeMutableBufferPointer<Float>,
                               isolating: UnsafeMutableBufferPointer<Int16>) {
        if level < depth, hi - lo >= 2, impurity > Double.ulpOfOne {
            var constants = knownConstants
            if let (feature, threshold) = drawSplit(lo: lo, hi: hi, knownConstants: &constants) {
                let mid = IsolationForest.partition(&order, sample: sample, featureCount: featureCount,
                                                    lo: lo, hi: hi, feature: feature, threshold: threshold)
                splits[node] = IsolationForest.Split(threshold: threshold, feature: Int32(feature))
                let left = self.impurity(lo: lo, hi: mid)
                let right = self.impurity(lo: mid, hi: hi)
                grow(node: 2 * node + 1, level: level + 1, lo: lo, hi: mid, impurity: left,
                     knownConstants: constants, lastFeature: Int16(feature),
                     splits: splits, paths: paths, isolating: isolating)
                grow(node: 2 * node + 2, level: level + 1, lo: mid, hi: hi, impurity: right,
                     knownConstants: constants, lastFeature: Int16(feature),
                     splits: splits, paths: paths, isolating: isolating)
                return
            }
        }
        IsolationForest.writeLeaf(node: node, level: level, count: hi - lo, lastFeature: lastFeature,
                                  splits: splits, paths: paths, isolating: isolating)
    }

    /// `our_rand_r`: xorshift32, reduced to 0...2³¹−1.
    private mutating func nextXorshift() -> UInt32 {
        if xorshift == 0 { xorshift = 1 }
        xorshift ^= xorshift << 13
        xorshift ^= xorshift >> 17
        xorshift ^= xorshift << 5
        return xorshift % 0x8000_0000
    }

    /// `node_split_random` with max_features = 1, transcribed with its bookkeeping:
    /// features[..<knownConstants] are the constants known from the ancestors; newly
    /// found ones are swapped in after them; drawn non-constant ones go to the end.
    private mutating func drawSplit(lo: Int, hi: Int, knownConstants: inout Int) -> (Int, Float)? {
        let d = featureCount
        let known = knownConstants
        var fI = d
        var found = 0
        var drawn = 0
        var total = known
        var visited = 0
        var chosen: (Int, Float)?
        while fI > total && (visited < 1 || visited <= found + drawn) {
            visited += 1
            var fJ = drawn + Int(nextXorshift() % UInt32(fI - found - drawn))
            if fJ < known {
                features.swapAt(drawn, fJ)
                drawn += 1
                continue
            }
            fJ += found
            let feature = features[fJ]
            let (minValue, maxValue) = IsolationForest.range(of: feature, order: order, sample: sample,
                                                             featureCount: d, lo: lo, hi: hi)
            let low = Double(minValue)
            let high = Double(maxValue)
            if high <= low + 1e-7 {
                features.swapAt(fJ, total)
                found += 1
                total += 1
                continue
            }
            fI -= 1
            features.swapAt(fI, fJ)
            // rand_uniform: ((high − low) · r / RAND_R_MAX) + low.
            let draw = (high - low) * Double(nextXorshift()) / 2_147_483_647.0
            chosen = (feature, IsolationForest.threshold(low: low, high: high, draw: draw))
        }
        for i in 0..<known { features[i] = constantFeatures[i] }
        for i in known..<(known + found) { constantFeatures[i] = features[i] }
        knownConstants = total
        return chosen
    }

    /// The squared-error impurity of the node's random targets (scikit-learn's MSE).
    private func impurity(lo: Int, hi: Int) -> Double {
        var sum = 0.0
        var squares = 0.0
        for k in lo..<hi {
            let y = sampleTarget[Int(order[k])]
            sum += y
            squares += y * y
        }
        let n = Double(hi - lo)
        let mean = sum / n
        return squares / n - mean * mean
    }
}
