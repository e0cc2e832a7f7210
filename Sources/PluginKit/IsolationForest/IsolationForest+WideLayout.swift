import IForestKernels

/// The forest in the layout of the AVX-512 scoring kernel (`IForestKernels`,
/// `iforest_kernels.h`): trees 16 to a vector, each node one 32-bit word holding its
/// feature and the *rank* of its threshold among that feature's distinct thresholds in
/// the forest. A row's values are turned into ranks once (a binary search per feature),
/// then each step of 16 trees is one gather and an integer compare. Exact: x > t exactly
/// when rank(x) > rank(t) (see the header), so every row reaches the leaves the portable
/// walk reaches; only the order of the double sum differs (≈ 1e-15 relative).
///
/// Built once per forest (O(nodes · log nodes)); immutable after init, so shareable
/// across threads. A class owning its buffers, so the per-row call hands the kernel
/// stable pointers without retaining four arrays per row.
final class WideLayout: @unchecked Sendable {  // immutable after init; the buffers are only read
    static let lanes = 16
    /// A node word is `feature << rankBits | rank`.
    static let rankBits = Int32(NAZAR_IFOREST_RANK_BITS)
    /// The rank of a pass-through node: no value's rank exceeds it.
    static let never = Int32(NAZAR_IFOREST_NEVER)

    /// Points into the buffers below, which this object owns and frees.
    private let forest: nazar_iforest_wide
    let nodes: UnsafeMutableBufferPointer<Int32>
    let leafPathLengths: UnsafeMutableBufferPointer<Float>
    /// Per feature, its distinct finite thresholds ascending, concatenated.
    let cuts: UnsafeMutableBufferPointer<Float>
    /// cuts of feature f: cuts[cutStart[f] ..< cutStart[f + 1]].
    let cutStart: UnsafeMutableBufferPointer<Int32>

    /// Nil where the kernel cannot take the forest: no AVX-512 on this CPU (or
    /// NAZAR_IFOREST_KERNEL=0), more than 32 features, or more distinct thresholds per
    /// feature than a node word's rank field holds.
    init?(splits: [IsolationForest.Split], leafPathLengths paths: [Float], treeCount: Int, depth: Int, featureCount: Int) {
        guard nazar_iforest_row_kernel() != 0, featureCount <= Int(NAZAR_IFOREST_MAX_FEATURES) else { return nil }
        let inner = (1 << depth) - 1
        let leaves = 1 << depth
        var perFeature = [[Float]](repeating: [], count: featureCount)
        for split in splits where split.threshold.isFinite { perFeature[Int(split.feature)].append(split.threshold) }
        var cuts: [Float] = []
        var cutStart: [Int32] = [0]
        var rankOf: [[Float: Int32]] = []
        for values in perFeature {
            let distinct = Array(Set(values)).sorted()
            guard distinct.count < Int(WideLayout.never) else { return nil }
            var ranks: [Float: Int32] = [:]
            for (j, t) in distinct.enumerated() { ranks[t] = Int32(j) }
            rankOf.append(ranks)
            cuts += distinct
            cutStart.append(Int32(cuts.count))
        }
        let lanes = WideLayout.lanes
        let groups = (treeCount + lanes - 1) / lanes
        var nodes = [Int32](repeating: WideLayout.never, count: groups * lanes * inner)
        var wideLeaves = [Float](repeating: 0, count: groups * lanes * leaves)
        for tree in 0..<treeCount {
            let group = tree / lanes, lane = tree % lanes
            for n in 0..<inner {
                let split = splits[tree * inner + n]
                guard split.threshold.isFinite, let j = rankOf[Int(split.feature)][split.threshold] else { continue }
                nodes[(group * inner + n) * lanes + lane] = split.feature << WideLayout.rankBits | j
            }
            for l in 0..<leaves { wideLeaves[(group * leaves + l) * lanes + lane] = paths[tree * leaves + l] }
        }
        self.nodes = WideLayout.copy(nodes)
        self.leafPathLengths = WideLayout.copy(wideLeaves)
        // Never empty: a forest whose every node is a pass-through still gets one cut slot.
        self.cuts = WideLayout.copy(cuts.isEmpty ? [0] : cuts)
        self.cutStart = WideLayout.copy(cutStart)
        forest = nazar_iforest_wide(nodes: self.nodes.baseAddress, leaf_paths: self.leafPathLengths.baseAddress,
                                    cuts: self.cuts.baseAddress, cut_start: self.cutStart.baseAddress,
                                    trees: Int32(treeCount), depth: Int32(depth), features: Int32(featureCount))
    }

    deinit {
        nodes.deallocate()
        leafPathLengths.deallocate()
        cuts.deallocate()
        cutStart.deallocate()
    }

    private static func copy<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(values.count, 1))
        _ = buffer.initialize(from: values)
        return buffer
    }

    /// Σ over trees of the path length of row `x` (`featureCount` values), added in 16
    /// double lanes. Allocates nothing.
    @inline(__always)
    func pathLengthSum(_ x: UnsafePointer<Float>) -> Double {
        withUnsafePointer(to: forest) { nazar_iforest_walk_row($0, x) }
    }

    /// `pathLengthSum` of `count` consecutive rows into `sums`, the rank searches of 8 rows
    /// side by side (one row's search alone waits on its chain of gathers). Allocates nothing.
    func pathLengthSums(_ x: UnsafePointer<Float>, count: Int, into sums: UnsafeMutablePointer<Double>) {
        withUnsafePointer(to: forest) { nazar_iforest_walk_rows($0, x, Int64(count), sums) }
    }
}
