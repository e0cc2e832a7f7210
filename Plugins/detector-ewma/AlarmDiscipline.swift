/// Turns a stream of directed z-scores into incidents, so one incident is one alert:
///
/// - fire after `consecutive` points in a row beyond `k`;
/// - while firing, any point beyond `clearK` keeps the incident open;
/// - resolve once no point has been beyond `clearK` for `rearm` (data time); only then
///   can the next incident fire.
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
    /// Data time of the last point beyond clearK while firing.
    private(set) var lastHot: Int64 = 0

    @inline(__always)
    mutating func step(directedZ z: Double, at t: Int64, _ p: Parameters) -> Transition {
        run = z > p.k ? run &+ 1 : 0
        if !firing {
            guard run >= p.consecutive else { return .none }
            firing = true
            lastHot = t
            return .fire
        }
        if z > p.clearK {
            lastHot = t
            return .none
        }
        guard t &- lastHot >= p.rearmNanoseconds else { return .none }
        firing = false
        run = 0
        return .resolve
    }

    /// Forget the incident (the series went away or its model restarted).
    mutating func reset() { self = AlarmDiscipline() }
}
