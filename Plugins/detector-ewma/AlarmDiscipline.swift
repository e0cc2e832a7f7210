/// Turns a stream of directed z-scores into incidents, so one incident is one alert,
/// not a burst:
///
/// - fire after `consecutive` points in a row beyond `k`, if armed;
/// - resolve at the first point back within `clearK` (hysteresis: k > clearK);
/// - after firing, the detector is disarmed for `rearm` (data time): a relapse within
///   that time is the same incident coming back and raises nothing new. On a noisy
///   series this is what keeps one incident from becoming dozens of alerts (NAB charges
///   every extra alarm as a false positive).
struct AlarmDiscipline: Sendable {
    struct Parameters: Sendable {
        var k: Double
        var clearK: Double
        var consecutive: Int32
        var rearmNanoseconds: Int64
    }

    enum Transition: Sendable, Equatable { case none, fire, resolve }

    private(set) var run: Int32 = 0
    private(set) var firing = false
    /// Data time of the last fire; `.min` when it never fired.
    private(set) var lastFire = Int64.min

    @inline(__always)
    mutating func step(directedZ z: Double, at t: Int64, _ p: Parameters) -> Transition {
        run = z > p.k ? run &+ 1 : 0
        if firing {
            guard z <= p.clearK else { return .none }
            firing = false
            return .resolve
        }
        guard run >= p.consecutive else { return .none }
        guard lastFire == Int64.min || t &- lastFire >= p.rearmNanoseconds else { return .none }
        firing = true
        lastFire = t
        return .fire
    }

    /// End an open incident without an all-clear from the data (the series went
    /// silent); the re-arm timer keeps running, so its return is not a new alert at once.
    mutating func endIncident() {
        firing = false
        run = 0
    }

    /// Forget the incident and the re-arm timer (the series went away or its model restarted).
    mutating func reset() { self = AlarmDiscipline() }
}
