extension IsolationForest {
    /// Rows scored together by the batch scorer: the tree being walked (a few KiB) stays
    /// in L1 while the walks of a block's rows, independent of each other, overlap in the
    /// CPU instead of waiting on one load after another.
    public static let scoringBlockRows = 64

    /// s(x, ψ) of one row of `featureCount` float32 values, in (0, 1]; higher is more
    /// anomalous (0.5 and below is normal by the paper's rule of thumb).
    ///
    /// Allocates nothing. Non-finite values do not trap but give a meaningless score:
    /// callers filter them. Returns `.wrongRowLength` for a row of the wrong length.
    public func score(_ row: UnsafeBufferPointer<Float>) throws(IsolationForestError) -> Double {
        guard row.count == featureCount else { throw .wrongRowLength(expected: featureCount, got: row.count) }
        return score(meanPathLength: meanPathLength(row))
    }

    /// `score(_:)` for an array.
    public func score(_ row: [Float]) throws(IsolationForestError) -> Double {
        try row.withUnsafeBufferPointer { (buffer) throws(IsolationForestError) -> Double in try score(buffer) }
    }

    /// E[h(x)]: the mean over trees of the leaf's depth + c(rows in the leaf).
    func meanPathLength(_ row: UnsafeBufferPointer<Float>) -> Double {
        let inner = internalCount
        let leaves = leafCount
        var total: Float = 0
        splits.withUnsafeBufferPointer { splits in
            leafPathLengths.withUnsafeBufferPointer { paths in
                guard let x = row.baseAddress, let s = splits.baseAddress, let p = paths.baseAddress else { return }
                for tree in 0..<treeCount {
                    let nodes = s + tree * inner
                    var node = 0
                    for _ in 0..<depth {
                        let split = nodes[node]
                        node = 2 &* node &+ 1 &+ (x[Int(split.feature)] > split.threshold ? 1 : 0)
                    }
                    total += p[tree * leaves + node - inner]
                }
            }
        }
        return Double(total) / Double(treeCount)
    }

    /// Scores every row of a row-major matrix (`out.count` rows of `featureCount`
    /// values) into `out`, walking each tree for a block of rows at a time. Allocates
    /// two small scratch arrays per call, nothing per row. Single-threaded.
    public func scores(_ matrix: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Double>) throws(IsolationForestError) {
        guard matrix.count == out.count * featureCount else {
            throw .raggedMatrix(values: matrix.count, featureCount: featureCount)
        }
        guard let x = matrix.baseAddress, !out.isEmpty else { return }
        let block = IsolationForest.scoringBlockRows
        let d = featureCount
        let inner = internalCount
        let leaves = leafCount
        let levels = depth
        let scale = 1.0 / (Double(treeCount) * normaliser)
        var nodeScratch = [Int](repeating: 0, count: block)
        var sumScratch = [Float](repeating: 0, count: block)
        splits.withUnsafeBufferPointer { splits in
            leafPathLengths.withUnsafeBufferPointer { paths in
                nodeScratch.withUnsafeMutableBufferPointer { nodeBuffer in
                    sumScratch.withUnsafeMutableBufferPointer { sumBuffer in
                        guard let s = splits.baseAddress, let p = paths.baseAddress,
                              let node = nodeBuffer.baseAddress, let sum = sumBuffer.baseAddress else { return }
                        var start = 0
                        while start < out.count {
                            let b = min(block, out.count - start)
                            let rows = x + start * d
                            for r in 0..<b { sum[r] = 0 }
                            for tree in 0..<treeCount {
                                let nodes = s + tree * inner
                                for r in 0..<b { node[r] = 0 }
                                // Level by level across the block: each step of one row is
                                // independent of the other rows' steps.
                                for _ in 0..<levels {
                                    for r in 0..<b {
                                        let split = nodes[node[r]]
                                        let right = rows[r &* d &+ Int(split.feature)] > split.threshold ? 1 : 0
                                        node[r] = 2 &* node[r] &+ 1 &+ right
                                    }
                                }
                                let leafPaths = p + tree * leaves - inner
                                for r in 0..<b { sum[r] += leafPaths[node[r]] }
                            }
                            for r in 0..<b { out[start + r] = exp2(-Double(sum[r]) * scale) }
                            start += b
                        }
                    }
                }
            }
        }
    }

    /// `scores(_:into:)` for an array; returns one score per row.
    public func scores(_ matrix: [Float]) throws(IsolationForestError) -> [Double] {
        guard matrix.count % featureCount == 0 else {
            throw .raggedMatrix(values: matrix.count, featureCount: featureCount)
        }
        var out = [Double](repeating: 0, count: matrix.count / featureCount)
        try matrix.withUnsafeBufferPointer { (m) throws(IsolationForestError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(IsolationForestError) in try scores(m, into: o) }
        }
        return out
    }

    /// For each feature, in how many trees the split that isolated `row` (the last real
    /// split on its path) was on that feature: the metric that made the point stand out.
    /// Slow path for explanations (allocates the result).
    public func isolationCounts(_ row: [Float]) throws(IsolationForestError) -> [Int] {
        guard row.count == featureCount else { throw .wrongRowLength(expected: featureCount, got: row.count) }
        var counts = [Int](repeating: 0, count: featureCount)
        for tree in 0..<treeCount {
            var node = 0
            for _ in 0..<depth {
                let split = splits[tree * internalCount + node]
                node = 2 * node + 1 + (row[Int(split.feature)] > split.threshold ? 1 : 0)
            }
            let feature = Int(isolatingFeatures[tree * leafCount + node - internalCount])
            if feature >= 0 { counts[feature] += 1 }
        }
        return counts
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
