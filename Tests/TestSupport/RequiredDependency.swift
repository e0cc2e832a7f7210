import Foundation
import Testing

/// True when `check` holds. Otherwise: under CI=true a recorded failure (a missing
/// dependency must not pass silently), elsewhere a note, and the test returns early.
public func requireDependency(_ what: String, _ check: () -> Bool) -> Bool {
    if check() { return true }
    let message = "\(what) is missing: run scripts/test, which installs it"
    if isCI {
        Issue.record(Comment(rawValue: message))
    } else {
        print("note: \(message); test not run")
    }
    return false
}

/// Whether the tests run under CI (`CI=true`), where a missing service fails a test.
public var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
