/// Which tier answers a range query when the caller does not say.
///
/// Among the tiers whose retention still covers `from`, the coarsest whose resolution is
/// no larger than the step (so no detail the step could show is lost, and fewer rows
/// are read); when no tier covers `from`, the one that reaches back furthest.
public enum StorageTierChoice {
    public static func pick(from: Int64, step: Int64, now: Int64, retention: StorageRetention) -> StorageTier {
        let covering = StorageTier.allCases.filter { now - retention.of($0).nanoseconds <= from }
        guard !covering.isEmpty else {
            return StorageTier.allCases.max { retention.of($0) < retention.of($1) } ?? .hour
        }
        return covering.filter { $0.resolution <= step }.max() ?? covering.min() ?? .raw
    }
}
