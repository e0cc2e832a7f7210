/// A point as the bus carries it: 24 bytes, no strings. Name and labels live once per
/// series in the `SeriesRegistry`, so moving a point costs a copy of three words.
public struct BusPoint: Sendable, Equatable {
    public var series: UInt64
    public var timestamp: Int64
    public var value: Double

    @inline(__always)
    public init(series: UInt64, timestamp: Int64, value: Double) {
        self.series = series
        self.timestamp = timestamp
        self.value = value
    }

    public static func == (a: BusPoint, b: BusPoint) -> Bool {
        a.series == b.series && a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern
    }
}
