import PluginKit

/// A fitted forest with what a person needs to read its alerts: how much data it
/// learnt from and when. Immutable; handed from the training thread to the detector.
struct TrainedModel: Sendable {
    var forest: IsolationForest
    /// Data time of the newest training row (ns since epoch): retraining is due
    /// `retrain_interval` after it.
    var trainedThroughNanoseconds: Int64
    /// Data time covered by the training rows.
    var baselineSpanNanoseconds: Int64
    var baselineRows: Int { forest.trainingRows }

    /// "8640 rows over 1d 0h".
    var baselineText: String {
        "\(baselineRows) rows over \(TrainedModel.durationText(baselineSpanNanoseconds))"
    }

    static func durationText(_ ns: Int64) -> String {
        let s = max(ns, 0) / 1_000_000_000
        if s >= 86_400 { return "\(s / 86_400)d \((s % 86_400) / 3600)h" }
        if s >= 3600 { return "\(s / 3600)h \((s % 3600) / 60)m" }
        if s >= 60 { return "\(s / 60)m \(s % 60)s" }
        return "\(s)s"
    }
}
