/// Everything the detector keeps for one monitored host: the row being assembled, the
/// rows to learn from, the current model and the alert's state. Used only on the
/// detector's thread (a class so it is mutated in place inside the host table).
final class HostState {
    let name: String
    /// Index in the detector's host table; travels with training jobs.
    let index: Int
    var assembler: RowAssembler
    var window: TrainingWindow
    var model: TrainedModel?
    /// A fit for this host is queued or running.
    var trainingPending = false
    /// Series id of this host's `anomaly.score`, registered on first use.
    var scoreSeries: UInt64?
    /// Data time of the first complete row (duration baselines count from it).
    var firstRowTimestamp: Int64?
    /// `fit_rows` mode: the model is learnt and no row is learnt from any more.
    var frozen = false

    // Alert state: `consecutive` rows at or above the threshold fire, as many below resolve.
    var rowsAbove = 0
    var rowsBelow = 0
    var firing = false
    var peakScore = 0.0
    var lastScoredBucket: Int64?

    // Counters, reported in warnings so an admin sees how much data was not usable.
    var completeRows = 0
    var incompleteRows = 0
    var nonFiniteRows = 0
    var latePoints = 0
    var rowsKeptOutOfBaseline = 0
    var warnedIncomplete = false
    var warnedNonFinite = false
    var warnedLate = false

    /// Float32 copy of the row being scored (reused: no per-row allocation).
    var row: [Float]

    init(name: String, index: Int, featureCount: Int, step: Int64, windowCapacity: Int) {
        self.name = name
        self.index = index
        assembler = RowAssembler(featureCount: featureCount, step: step)
        window = TrainingWindow(featureCount: featureCount, capacity: windowCapacity)
        row = [Float](repeating: 0, count: featureCount)
    }
}
