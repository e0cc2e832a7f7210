/// Where a series' detector state lives: `count` consecutive entries from `first` in the
/// detector's flat state array (one per rule that matched the series; 0 when none did).
public struct SlotRange: Sendable, Equatable {
    /// Index of the first state in the detector's flat state array.
    public var first: Int32
    /// Number of states (rules matching the series); -1 in `.unseen`.
    public var count: Int32

    /// A range of `count` states from `first`.
    public init(first: Int32, count: Int32) {
        self.first = first
        self.count = count
    }

    /// Marks an id the detector has not seen yet.
    public static let unseen = SlotRange(first: 0, count: -1)
}

/// Series id → `SlotRange`, as a flat array indexed by the host's series id (ids are
/// dense, assigned from 1), grown as needed: the per-point lookup is one bounds check
/// and one load, no hashing. Ids beyond `denseLimit` (a host that does not number
/// densely) fall back to a dictionary rather than growing the array without bound.
///
/// Not thread-safe; a detector instance is never called concurrently.
public struct SeriesSlots: Sendable {
    @usableFromInline var dense: ContiguousArray<SlotRange> = []
    @usableFromInline var sparse: [UInt64: SlotRange] = [:]
    /// Ids below this live in the flat array; above it, in the dictionary.
    public let denseLimit: UInt64

    /// An empty table; 4 Mi dense ids by default (32 MiB at most).
    public init(denseLimit: UInt64 = 1 << 22) { self.denseLimit = denseLimit }

    /// The slots of `series`, or `.unseen`. O(1), no hashing for dense ids.
    @inlinable @inline(__always)
    public func lookup(_ series: UInt64) -> SlotRange {
        if series < UInt64(dense.count) { return dense[Int(series)] }
        if series < denseLimit { return .unseen }
        return sparse[series] ?? .unseen
    }

    /// Records where the states of `series` live (once, when it is first seen).
    public mutating func assign(_ series: UInt64, _ range: SlotRange) {
        if series < denseLimit {
            let index = Int(series)
            if index >= dense.count {
                // Doubling keeps growth amortised O(1) while new series keep arriving.
                let newCount = max(index + 1, dense.count * 2, 64)
                dense.append(contentsOf: repeatElement(.unseen, count: newCount - dense.count))
            }
            dense[index] = range
        } else {
            sparse[series] = range
        }
    }
}
