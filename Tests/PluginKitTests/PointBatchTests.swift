import PluginAPI
import PluginKit
import Testing

@Suite struct PointBatchTests {
    /// A host built with a larger nazar_point (fields appended in a later ABI) passes a
    /// wider stride; PluginKit must index by the batch's point_size, not its own sizeof.
    @Test func indexesWithTheBatchStrideNotSizeof() {
        let stride = MemoryLayout<nazar_point>.stride + 16
        let count = 3
        let raw = UnsafeMutableRawPointer.allocate(byteCount: stride * count, alignment: 8)
        defer { raw.deallocate() }
        for i in 0..<count {
            (raw + i * stride).initializeMemory(as: nazar_point.self, repeating: nazar_point(
                struct_size: UInt32(stride), label_count: 0, series: UInt64(10 + i), name: nil, labels: nil,
                timestamp_ns: Int64(i), value: Double(i) * 1.5), count: 1)
        }
        var batch = nazar_point_batch(struct_size: UInt32(MemoryLayout<nazar_point_batch>.size), point_size: UInt32(stride),
                                      count: UInt64(count), points: raw.assumingMemoryBound(to: nazar_point.self))
        withUnsafePointer(to: &batch) { b in
            let view = PointBatch(b)
            #expect(view.count == 3)
            #expect(view.map(\.series) == [10, 11, 12])
            #expect(view.map(\.value) == [0, 1.5, 3])
            #expect(view.map(\.timestampNanoseconds) == [0, 1, 2])
        }
    }

    @Test func writerReusesItsBuffer() {
        var w = PointWriter(capacity: 4)
        w.append(series: 1, value: 2, timestampNanoseconds: 3)
        w.append(series: 4, value: 5, timestampNanoseconds: 6)
        #expect(w.count == 2)
        w.removeAll()
        #expect(w.count == 0)
    }
}
