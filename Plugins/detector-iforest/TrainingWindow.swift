/// The most recent complete rows of one host (float32, as the model sees them) with
/// their timestamps, in a ring of fixed capacity: memory stays bounded however long the
/// baseline. Not thread-safe; snapshots are copies a background fit may own.
struct TrainingWindow {
    let featureCount: Int
    let capacity: Int
    private var values: [Float]
    private var timestamps: [Int64]
    private var head = 0  // next slot to write
    private(set) var count = 0

    init(featureCount: Int, capacity: Int) {
        self.featureCount = featureCount
        self.capacity = capacity
        values = []
        timestamps = []
    }

    mutating func append(_ row: [Float], timestamp: Int64) {
        // Grown on demand: a window of 200,000 rows costs nothing until data arrives.
        if timestamps.count < capacity {
            values += row
            timestamps.append(timestamp)
            head = timestamps.count % capacity
            count = timestamps.count
            return
        }
        for f in 0..<featureCount { values[head * featureCount + f] = row[f] }
        timestamps[head] = timestamp
        head = (head + 1) % capacity
    }

    /// Timestamp of the oldest and newest row held.
    var oldestTimestamp: Int64? { count == 0 ? nil : timestamps[count < capacity ? 0 : head] }
    var newestTimestamp: Int64? { count == 0 ? nil : timestamps[(head - 1 + capacity) % capacity] }

    /// Rows in time order, the last `limit` of them whose timestamp is ≥ `since`.
    func snapshot(since: Int64 = .min, limit: Int = .max) -> (values: [Float], rows: Int, firstTimestamp: Int64, lastTimestamp: Int64) {
        var out: [Float] = []
        var first = Int64.max
        var last = Int64.min
        let start = count < capacity ? 0 : head
        var indices: [Int] = []
        for i in 0..<count {
            let slot = (start + i) % capacity
            if timestamps[slot] >= since { indices.append(slot) }
        }
        let kept = indices.suffix(limit)
        out.reserveCapacity(kept.count * featureCount)
        for slot in kept {
            out += values[(slot * featureCount)..<((slot + 1) * featureCount)]
            first = min(first, timestamps[slot])
            last = max(last, timestamps[slot])
        }
        return (out, kept.count, first, last)
    }
}
