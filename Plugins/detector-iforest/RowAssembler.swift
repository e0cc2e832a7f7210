/// Turns one host's points into rows of the configured metrics aligned in time.
///
/// Points whose timestamps fall in the same `step` (⌊t / step⌋) form one row. A row is
/// *complete* when every metric has a value, and is handed on at once (so a collector
/// faster than `step` still yields one row per round). Rows are never forward-filled:
/// a stale value would hide the very change the model should see. Instead:
/// - a point of a later step while the open row is incomplete drops that row
///   (`droppedIncomplete`, with the missing metrics — a series that disappeared);
/// - a point older than the open row's step arrives too late and is ignored (`late`);
/// - a NaN or ±∞ value poisons its row, which is dropped when complete (`droppedNonFinite`);
/// - a metric seen twice in one row keeps the later value.
/// Not thread-safe; one per host, used on the detector's thread.
struct RowAssembler {
    /// What one point did to the rows.
    struct Event: Equatable {
        /// Non-zero: the open row was dropped incomplete before this point started a new
        /// one; bit i set = metric i had no value.
        var droppedIncompleteMissing: UInt64 = 0
        /// ≥ 0: a row became complete but was dropped because this metric was NaN or ±∞.
        var droppedNonFiniteFeature = -1
        /// A row is complete: read it from `completedValues` / `completedTimestamp`.
        var completed = false
        /// The point was older than the open row and ignored.
        var late = false
    }

    let featureCount: Int
    let step: Int64
    private let fullMask: UInt64
    private var bucket = Int64.min
    private var present: UInt64 = 0
    private var nonFiniteFeature = -1
    private var values: [Double]
    private var timestamp: Int64 = 0
    /// The last completed row, valid until the next call.
    private(set) var completedValues: [Double]
    private(set) var completedTimestamp: Int64 = 0
    /// The step of the last completed row (for gap detection), or nil before the first.
    private(set) var completedBucket: Int64?

    init(featureCount: Int, step: Int64) {
        precondition(featureCount >= 1 && featureCount <= 64 && step > 0)
        self.featureCount = featureCount
        self.step = step
        fullMask = featureCount == 64 ? ~0 : (1 << UInt64(featureCount)) - 1
        values = [Double](repeating: 0, count: featureCount)
        completedValues = values
    }

    mutating func add(feature: Int, value: Double, timestamp t: Int64) -> Event {
        var event = Event()
        let b = t >= 0 ? t / step : (t - step + 1) / step
        if b < bucket {
            event.late = true
            return event
        }
        if b > bucket {
            if present != 0 { event.droppedIncompleteMissing = fullMask & ~present }
            bucket = b
            present = 0
            nonFiniteFeature = -1
            timestamp = t
        }
        values[feature] = value
        present |= 1 << UInt64(feature)
        timestamp = max(timestamp, t)
        if !value.isFinite, nonFiniteFeature < 0 { nonFiniteFeature = feature }
        if present == fullMask {
            if nonFiniteFeature >= 0 {
                // Reported as a drop, not a row: the model never sees a NaN.
                event.droppedNonFiniteFeature = nonFiniteFeature
            } else {
                swap(&values, &completedValues)
                completedTimestamp = timestamp
                completedBucket = bucket
                event.completed = true
            }
            // The step stays open for a further round of points (faster collectors).
            present = 0
            nonFiniteFeature = -1
        }
        return event
    }
}
