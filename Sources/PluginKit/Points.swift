import PluginAPI

/// A reusable buffer of points to publish. Append by registered series id (the fast
/// path: no strings cross the line), then `host.publish(&writer)`. Keep one per instance
/// so publishing allocates nothing after the first round.
public struct PointWriter: Sendable {
    var points: ContiguousArray<nazar_point> = []

    public init(capacity: Int = 256) { points.reserveCapacity(capacity) }

    public var count: Int { points.count }

    public mutating func append(series: UInt64, value: Double, timestampNanoseconds: Int64) {
        points.append(nazar_point(
            struct_size: UInt32(MemoryLayout<nazar_point>.size), label_count: 0,
            series: series, name: nil, labels: nil,
            timestamp_ns: timestampNanoseconds, value: value))
    }

    public mutating func removeAll() { points.removeAll(keepingCapacity: true) }
}

extension nazar_point: @retroactive @unchecked Sendable {}

/// One point delivered to a detector. A view: valid only during `onPoints`.
public struct PointView {
    public let raw: UnsafePointer<nazar_point>

    /// Host-assigned series id, stable for the daemon's lifetime: key state on it.
    @inline(__always) public var series: UInt64 { raw.pointee.series }
    @inline(__always) public var value: Double { raw.pointee.value }
    @inline(__always) public var timestampNanoseconds: Int64 { raw.pointee.timestamp_ns }

    /// The metric name (allocates a String: read it once per new series, not per point).
    public var name: String { raw.pointee.name.map { String(cString: $0) } ?? "" }

    /// The series' labels, sorted by key (allocates; once per new series).
    public var labels: [(String, String)] {
        let p = raw.pointee
        guard let labels = p.labels else { return [] }
        return (0..<Int(p.label_count)).map { i in
            (String(cString: labels[i].key), String(cString: labels[i].value))
        }
    }

    /// The value of one label, or nil.
    public func label(_ key: String) -> String? {
        let p = raw.pointee
        guard let labels = p.labels else { return nil }
        for i in 0..<Int(p.label_count) where String(cString: labels[i].key) == key {
            return String(cString: labels[i].value)
        }
        return nil
    }
}

/// A batch of points delivered to a detector, indexed with the batch's stride so a host
/// with a larger `nazar_point` still works. Valid only during `onPoints`.
public struct PointBatch: RandomAccessCollection {
    public let raw: UnsafePointer<nazar_point_batch>

    public init(_ raw: UnsafePointer<nazar_point_batch>) { self.raw = raw }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(raw.pointee.count) }

    @inline(__always)
    public subscript(position: Int) -> PointView {
        let base = UnsafeRawPointer(raw.pointee.points!)
        return PointView(raw: (base + position * Int(raw.pointee.point_size)).assumingMemoryBound(to: nazar_point.self))
    }
}
