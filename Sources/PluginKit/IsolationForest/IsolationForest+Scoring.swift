extension IsolationForest {
    /// Rows scored together by the batch scorer: their walks of one tree are
    /// independent, so the CPU overlaps them.
    public static let scoringBlockRows = 64

    /// s(x, ψ) of one row of `featureCount` float32 values, in (0, 1]; higher is more
    /// anomalous (0.5 and below is normal by the paper's rule of thumb).
    ///
    /// Allocates nothing. Uses the AVX-512 kernel where `scores(_:into:)` does (same
    /// leaves, sum order of the lanes). Non-finite values do not trap but give a
    /// meaningless score: callers filter them. Returns `.wrongRowLength` for a row of
    /// the wrong length.
    public func score(_ row: UnsafeBufferPointer<Float>) throws(IsolationForestError) -> Double {
        guard row.count == featureCount else { throw .wrongRowLength(expected: featureCount, got: row.count) }
        guard let x = row.baseAddress else { return 1 }
        if let wide { return score(meanPathLength: wide.pathLengthSum(x) / Double(treeCount)) }
        var total = 0.0
        laneSplits.withUnsafeBufferPointer { splits in
            laneLeafPathLengths.withUnsafeBufferPointer { paths in
                guard let s = splits.baseAddress, let p = paths.baseAddress else { return }
                for group in 0..<groupCount { walkGroup(group, row: x, splits: s, paths: p, into: &total) }
            }
        }
        return score(meanPathLength: total / Double(treeCount))
    }

    /// `score(_:)` for an array.
    public func score(_ row: [Float]) throws(IsolationForestError) -> Double {
        try row.withUnsafeBufferPointer { (buffer) throws(IsolationForestError) -> Double in try score(buffer) }
    }

    var groupCount: Int { (treeCount + IsolationForest.lanes - 1) / IsolationForest.lanes }

    /// Adds the path lengths of `row` in the 8 trees of one group to `total`, one Double
    /// addition per tree in tree order (padding trees add 0): the same sum as the batch
    /// scorer's. The eight walks are written out so each lane's node index lives in a
    /// register; every step is a load of the split, a load of the feature value, a
    /// compare and an add — no branch.
    @inline(__always)
    func walkGroup(_ group: Int, row x: UnsafePointer<Float>, splits: UnsafePointer<Split>, paths: UnsafePointer<Float>,
                   into total: inout Double) {
        let inner = internalCount
        let s = splits + group * inner * 8
        var n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0
        for _ in 0..<depth {
            let a0 = s[n0 &* 8], a1 = s[n1 &* 8 &+ 1], a2 = s[n2 &* 8 &+ 2], a3 = s[n3 &* 8 &+ 3]
            let a4 = s[n4 &* 8 &+ 4], a5 = s[n5 &* 8 &+ 5], a6 = s[n6 &* 8 &+ 6], a7 = s[n7 &* 8 &+ 7]
            n0 = 2 &* n0 &+ 1 &+ (x[Int(a0.feature)] > a0.threshold ? 1 : 0)
            n1 = 2 &* n1 &+ 1 &+ (x[Int(a1.feature)] > a1.threshold ? 1 : 0)
            n2 = 2 &* n2 &+ 1 &+ (x[Int(a2.feature)] > a2.threshold ? 1 : 0)
            n3 = 2 &* n3 &+ 1 &+ (x[Int(a3.feature)] > a3.threshold ? 1 : 0)
            n4 = 2 &* n4 &+ 1 &+ (x[Int(a4.feature)] > a4.threshold ? 1 : 0)
            n5 = 2 &* n5 &+ 1 &+ (x[Int(a5.feature)] > a5.threshold ? 1 : 0)
            n6 = 2 &* n6 &+ 1 &+ (x[Int(a6.feature)] > a6.threshold ? 1 : 0)
            n7 = 2 &* n7 &+ 1 &+ (x[Int(a7.feature)] > a7.threshold ? 1 : 0)
        }
        // Node indices are now on the last level: leaf slot = n − inner.
        let p = paths + (group * leafCount - inner) * 8
        total += Double(p[n0 &* 8]); total += Double(p[n1 &* 8 &+ 1])
        total += Double(p[n2 &* 8 &+ 2]); total += Double(p[n3 &* 8 &+ 3])
        total += Double(p[n4 &* 8 &+ 4]); total += Double(p[n5 &* 8 &+ 5])
        total += Double(p[n6 &* 8 &+ 6]); total += Double(p[n7 &* 8 &+ 7])
    }

    /// Scores every row of a row-major matrix (`out.count` rows of `featureCount`
    /// values) into `out`. Where the AVX-512 kernel runs (`WideLayout`: ≤ 32 features),
    /// 16 trees per step with the rank searches of 8 rows interleaved; elsewhere in
    /// blocks of `scoringBlockRows` rows, each tree walked level by level across the
    /// block, so the independent steps of different rows overlap. Both find exactly the
    /// same leaves; the portable walk adds path lengths in tree order (bit-identical to
    /// `score(_:)` without the kernel), the kernel in 16 double lanes (≈ 1e-15 relative
    /// of that; tests hold it to 1e-12). Allocates nothing per row. Single-threaded.
    public func scores(_ matrix: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Double>) throws(IsolationForestError) {
        guard matrix.count == out.count * featureCount else {
            throw .raggedMatrix(values: matrix.count, featureCount: featureCount)
        }
        guard let x = matrix.baseAddress, let sums = out.baseAddress, !out.isEmpty else { return }
        if let wide {
            wide.pathLengthSums(x, count: out.count, into: sums)
        } else {
            portablePathLengthSums(x, count: out.count, into: sums)
        }
        for r in 0..<out.count { out[r] = score(meanPathLength: out[r] / Double(treeCount)) }
    }

    /// Σ over trees of the path length of each of `count` rows, in tree order, without
    /// the vector kernel (the path of CPUs without AVX-512; tests run it everywhere).
    func portablePathLengthSums(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Double>) {
        let block = IsolationForest.scoringBlockRows
        let d = featureCount
        var sumScratch = [Double](repeating: 0, count: block)
        var nodeScratch = [Int](repeating: 0, count: block)
        sumScratch.withUnsafeMutableBufferPointer { sumBuffer in
            nodeScratch.withUnsafeMutableBufferPointer { nodeBuffer in
                guard let sum = sumBuffer.baseAddress else { return }
                var start = 0
                while start < count {
                    let b = min(block, count - start)
                    for r in 0..<b { sum[r] = 0 }
                    if let node = nodeBuffer.baseAddress {
                        walkBlock(rows: x + start * d, count: b, sums: sum, nodes: node)
                    }
                    for r in 0..<b { out[start + r] = sum[r] }
                    start += b
                }
            }
        }
    }

    /// The portable walk of one block: tree by tree, level by level across the rows.
    private func walkBlock(rows: UnsafePointer<Float>, count b: Int, sums sum: UnsafeMutablePointer<Double>,
                           nodes node: UnsafeMutablePointer<Int>) {
        let d = featureCount
        let inner = internalCount
        let leaves = leafCount
        splits.withUnsafeBufferPointer { splits in
            leafPathLengths.withUnsafeBufferPointer { paths in
                guard let s = splits.baseAddress, let p = paths.baseAddress else { return }
                for tree in 0..<treeCount {
                    let nodes = s + tree * inner
                    for r in 0..<b { node[r] = 0 }
                    for _ in 0..<depth {
                        for r in 0..<b {
                            let split = nodes[node[r]]
                            let right = rows[r &* d &+ Int(split.feature)] > split.threshold ? 1 : 0
                            node[r] = 2 &* node[r] &+ 1 &+ right
                        }
                    }
                    let leafPaths = p + (tree * leaves - inner)
                    for r in 0..<b { sum[r] += Double(leafPaths[node[r]]) }
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

    /// E[h(x)] the plain way, one tree after another over the canonical layout: the
    /// reference the fast scorer is tested against.
    func referenceMeanPathLength(_ row: [Float]) -> Double {
        var total = 0.0
        for tree in 0..<treeCount {
            var node = 0
            for _ in 0..<depth {
                let split = splits[tree * internalCount + node]
                node = 2 * node + 1 + (row[Int(split.feature)] > split.threshold ? 1 : 0)
            }
            total += Double(leafPathLengths[tree * leafCount + node - internalCount])
        }
        return total / Double(treeCount)
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
