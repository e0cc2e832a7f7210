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
        /// The open row was dropped incomplete before this point started a new one;
        /// `missingInDroppedRow()` says which metrics it lacked.
        var droppedIncomplete = false
        /// ≥ 0: a row became complete but was dropped because this metric was NaN or ±∞.
        var droppedNonFiniteFeature = -1
        /// A row is complete: read it from `completedValues` / `completedTimestamp`.
        var completed = false
        /// The point was older than the open row and ignored.
        var late = false
    }

    let featureCount: Int
    let step: Int64
    private var bucket = Int64.min
    /// Which metrics the open row has (a flag per metric: up to 1024 of them).
    private var present: [Bool]
    private var presentCount = 0
    /// `present` of the last row dropped incomplete (swapped, not copied).
    private var droppedPresent: [Bool]
    private var nonFiniteFeature = -1
    private var values: [Double]
    private var timestamp: Int64 = 0
    /// The last completed row, valid until the next call.
    private(set) var completedValues: [Double]
    private(set) var completedTimestamp: Int64 = 0
    /// The step of the last completed row (for gap detection), or nil before the first.
    private(set) var completedBucket: Int64?

    init(featureCount: Int, step: Int64) {
        precondition(featureCount >= 1 && step > 0)
        self.featureCount = featureCount
        self.step = step
        present = [Bool](repeating: false, count: featureCount)
        droppedPresent = present
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
            if presentCount != 0 {
                event.droppedIncomplete = true
                swap(&present, &droppedPresent)
            }
            clearPresent()
            bucket = b
            nonFiniteFeature = -1
            timestamp = t
        }
        values[feature] = value
        if !present[feature] {
            present[feature] = true
            presentCount += 1
        }
        timestamp = max(timestamp, t)
        if !value.isFinite, nonFiniteFeature < 0 { nonFiniteFeature = feature }
        if presentCount == featureCount {
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
            clearPresent()
            nonFiniteFeature = -1
        }
        return event
    }

    /// Indices of the metrics the last incomplete row lacked.
    func missingInDroppedRow() -> [Int] { droppedPresent.indices.filter { !droppedPresent[$0] } }

    private mutating func clearPresent() {
        guard presentCount != 0 else { return }
        for i in 0..<featureCount { present[i] = false }
        presentCount = 0
    }
}
