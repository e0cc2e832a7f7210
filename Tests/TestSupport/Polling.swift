#if canImport(Glibc)
import Glibc
#endif

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns its last
/// answer. For what a daemon or a background thread does "soon": the timeout is only
/// the bound on a failing test, a passing one returns as soon as the condition holds.
public func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}
