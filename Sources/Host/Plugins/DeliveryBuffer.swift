import PluginAPI

/// Turns bus points into the `nazar_point` array a detector's `on_points` receives,
/// filling names and labels from the registry (pointer loads, no copies). One per
/// delivering thread; reused for every batch.
final class DeliveryBuffer {
    let capacity: Int
    let points: UnsafeMutablePointer<nazar_point>
    static let pointSize = UInt32(MemoryLayout<nazar_point>.stride)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        points = .allocate(capacity: self.capacity)
    }

    deinit { points.deallocate() }

    /// Calls `body` with a batch view of `source[0..<count]` (count ≤ capacity).
    func withBatch<R>(_ source: UnsafePointer<BusPoint>, count: Int, registry: SeriesRegistry,
                      _ body: (UnsafePointer<nazar_point_batch>) -> R) -> R {
        let n = min(count, capacity)
        for i in 0..<n {
            let p = source[i]
            let e = registry.entry(p.series)
            points[i] = nazar_point(struct_size: Self.pointSize, label_count: e.pointee.labelCount, series: p.series,
                                    name: UnsafePointer(e.pointee.name), labels: UnsafePointer(e.pointee.labels),
                                    timestamp_ns: p.timestamp, value: p.value)
        }
        var batch = nazar_point_batch(struct_size: UInt32(MemoryLayout<nazar_point_batch>.size),
                                      point_size: Self.pointSize, count: UInt64(n), points: points)
        return body(&batch)
    }
}
