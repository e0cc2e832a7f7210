extension IsolationForest {
    /// Format version of `encoded()`; bump when the layout or meaning changes.
    public static let formatVersion: UInt32 = 1
    static let magic: UInt32 = 0x4649_5A4E  // "NZIF" little-endian

    /// The forest as a self-contained byte string: magic, version, shape, the flat
    /// arrays and an FNV-1a 64 checksum. Little-endian on every platform.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 40 + splits.count * 8 + leafPathLengths.count * 6)
        w.append(IsolationForest.magic)
        w.append(IsolationForest.formatVersion)
        w.append(UInt32(featureCount))
        w.append(UInt32(treeCount))
        w.append(UInt32(sampleSize))
        w.append(UInt32(depth))
        w.append(UInt64(trainingRows))
        for s in splits {
            w.append(s.threshold)
            w.append(UInt32(bitPattern: s.feature))
        }
        for p in leafPathLengths { w.append(p) }
        for f in isolatingFeatures { w.append(f) }
        w.appendChecksum()
        return w.bytes
    }

    /// Decodes `encoded()` output. Throws `.corruptModel` naming what is wrong for a
    /// checksum mismatch, another magic or version, an impossible shape or a split on a
    /// feature that does not exist — so a damaged file can never make scoring read
    /// out of bounds.
    public init(decoding bytes: [UInt8]) throws(IsolationForestError) {
        var r = ByteReader(bytes)
        try r.verifyTrailingChecksum()
        guard try r.uint32() == IsolationForest.magic else { throw .corruptModel("not an isolation forest (bad magic)") }
        let version = try r.uint32()
        guard version == IsolationForest.formatVersion else {
            throw .corruptModel("format version \(version), this build reads \(IsolationForest.formatVersion)")
        }
        let d = Int(try r.uint32())
        let t = Int(try r.uint32())
        let psi = Int(try r.uint32())
        let depth = Int(try r.uint32())
        let n = Int(truncatingIfNeeded: try r.uint64())
        guard d >= 1, d <= Int(Int16.max), t >= 1, t <= 100_000, psi >= 2, psi <= 1 << 16,
              depth == IsolationForest.heightLimit(samples: psi), n >= psi else {
            throw .corruptModel("impossible shape (features \(d), trees \(t), samples \(psi), depth \(depth), rows \(n))")
        }
        let inner = (1 << depth) - 1
        let leaves = 1 << depth
        guard r.remaining == t * inner * 8 + t * leaves * 6 + 8 else {
            throw .corruptModel("size does not match its shape")
        }
        var splits: [Split] = []
        splits.reserveCapacity(t * inner)
        for _ in 0..<(t * inner) {
            let threshold = try r.float()
            let feature = Int32(bitPattern: try r.uint32())
            guard feature >= 0, Int(feature) < d, !threshold.isNaN else {
                throw .corruptModel("split on feature \(feature) of \(d)")
            }
            splits.append(Split(threshold: threshold, feature: feature))
        }
        var paths: [Float] = []
        paths.reserveCapacity(t * leaves)
        for _ in 0..<(t * leaves) { paths.append(try r.float()) }
        var isolating: [Int16] = []
        isolating.reserveCapacity(t * leaves)
        for _ in 0..<(t * leaves) {
            let f = try r.int16()
            guard f >= -1, Int(f) < d else { throw .corruptModel("leaf names feature \(f) of \(d)") }
            isolating.append(f)
        }
        self.init(featureCount: d, treeCount: t, sampleSize: psi, depth: depth, trainingRows: n,
                  splits: splits, leafPathLengths: paths, isolatingFeatures: isolating)
    }
}
