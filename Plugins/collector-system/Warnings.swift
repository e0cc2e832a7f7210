/// Rate-limited warnings about source files that cannot be read.
///
/// A file that is unreadable once is usually unreadable every round (a kernel without
/// it, a hardened /proc); one warning per path per `interval` is enough, and the next
/// one says how many were held back. When the file becomes readable again, one info
/// line says so. Only a fixed set of paths is ever tracked, so the table stays small.
struct Warnings {
    private struct State {
        var lastLogged: Int64
        var suppressed: Int
    }

    private var failing: [String: State] = [:]
    let interval: Int64

    init(interval: Int64 = 600_000_000_000) { self.interval = interval }

    /// Records a failure to read `path` at `now`; logs unless one was logged recently.
    mutating func failed(_ path: String, errno code: Int32, now: Int64, host: any CollectorHost) {
        failed(path, reason: errorText(code), now: now, host: host)
    }

    /// Records that `path` could not be used (unreadable, or not in the expected format).
    mutating func failed(_ path: String, reason: String, now: Int64, host: any CollectorHost) {
        if var state = failing[path] {
            guard now - state.lastLogged >= interval else {
                state.suppressed += 1
                failing[path] = state
                return
            }
            host.log(.warning, "cannot use \(path): \(reason); skipping its metrics"
                     + " (\(state.suppressed) more failures since the last warning)",
                     [("NAZAR_EVENT", "source_unreadable"), ("NAZAR_PATH", path)])
        } else {
            host.log(.warning, "cannot use \(path): \(reason); skipping its metrics",
                     [("NAZAR_EVENT", "source_unreadable"), ("NAZAR_PATH", path)])
        }
        failing[path] = State(lastLogged: now, suppressed: 0)
    }

    /// Records a successful read of `path`.
    mutating func succeeded(_ path: String, host: any CollectorHost) {
        guard !failing.isEmpty, failing.removeValue(forKey: path) != nil else { return }
        host.log(.info, "\(path) is readable again", [("NAZAR_EVENT", "source_readable"), ("NAZAR_PATH", path)])
    }

    /// Whether `path` is currently failing.
    func isFailing(_ path: String) -> Bool { failing[path] != nil }
}
