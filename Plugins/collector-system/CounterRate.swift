/// Turns monotonically increasing kernel counters into per-second rates.
///
/// Each key remembers its last value and the time it was sampled; the rate is the
/// delta over the time elapsed between that sample and this one. The first sample of a
/// key yields no rate. Keys not sampled in a round are forgotten by `forgetUnseen()`,
/// so devices that come and go cannot make the table grow without bound.
///
/// A counter that goes *down* is either a 32-bit counter that wrapped or a counter that
/// restarted from zero (interface or device re-created, driver reloaded). See `delta`.
struct CounterRate<Key: Hashable> {
    private struct Sample {
        var value: UInt64
        var time: Int64
    }

    private var samples: [Key: Sample] = [:]
    /// Time of the current round, and how many distinct keys were sampled in it.
    private var roundTime: Int64 = .min
    private var sampledThisRound = 0

    init() {}

    /// Number of keys remembered.
    var count: Int { samples.count }

    /// Records `value` for `key` at `now` (ns) and returns the per-second rate since the
    /// key's previous sample, or nil on the first sample or when no time has passed
    /// (a clock that stood still or stepped back gives no meaningful rate).
    mutating func rate(_ key: Key, value: UInt64, now: Int64) -> Double? {
        if now != roundTime {
            roundTime = now
            sampledThisRound = 0
        }
        let previous = samples.updateValue(Sample(value: value, time: now), forKey: key)
        guard let previous else {
            sampledThisRound += 1
            return nil
        }
        if previous.time != now { sampledThisRound += 1 }
        let elapsed = now &- previous.time
        guard elapsed > 0 else { return nil }
        return Double(Self.delta(old: previous.value, new: value)) / (Double(elapsed) / 1e9)
    }

    /// Forgets every key that was not sampled in the latest round.
    mutating func forgetUnseen() {
        guard sampledThisRound < samples.count else { return }
        let t = roundTime
        samples = samples.filter { $0.value.time == t }
    }

    /// Forgets everything (e.g. after a source could not be read for a while).
    mutating func reset() {
        samples.removeAll(keepingCapacity: true)
        sampledThisRound = 0
    }

    /// How much a counter advanced from `old` to `new`.
    ///
    /// - `new >= old`: the plain difference.
    /// - `new < old`, `old` fits in 32 bits and the wrapped difference
    ///   `2^32 - old + new` is below 2^31: a 32-bit counter wrapped (32-bit kernels and
    ///   some drivers keep 32-bit counters). A counter that really wrapped between two
    ///   samples has moved less than half its range; an apparent jump of more than
    ///   that is far more likely a restart.
    /// - otherwise: the counter restarted from zero, so it advanced by `new` since then
    ///   (the Prometheus `rate()` convention; the part counted before the restart and
    ///   after our previous sample is lost, which under-reports rather than inventing
    ///   a spike).
    static func delta(old: UInt64, new: UInt64) -> UInt64 {
        if new >= old { return new - old }
        let range32: UInt64 = 1 << 32
        if old < range32 {
            let wrapped = range32 - old + new
            if wrapped < range32 / 2 { return wrapped }
        }
        return new
    }
}
