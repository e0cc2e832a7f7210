import Logging
import Synchronization
@testable import Host

/// A clock the test moves by hand.
final class ManualClock: AlertingClock {
    private let value: Atomic<Int64>
    init(_ start: Int64 = 1_700_000_000_000_000_000) { value = Atomic(start) }
    func now() -> Int64 { value.load(ordering: .relaxed) }
    func advance(_ d: Duration) { value.add(d.nanoseconds, ordering: .relaxed) }
}

/// Silences a test adds and expires, handed to the manager like Storage's.
final class SilenceList: @unchecked Sendable {
    private let lock = ConditionLock()
    private var items: [Silence] = []
    private var nextID: Int64 = 1

    func add(_ matchers: String, from: Int64, to: Int64) throws -> Int64 {
        try lock.withLock {
            let id = nextID
            nextID += 1
            items.append(Silence(id: id, matchers: try LabelMatcher.parseList(matchers), startsAt: from, endsAt: to,
                                 createdBy: "test", comment: ""))
            return id
        }
    }

    func expire(_ id: Int64, at: Int64) {
        lock.withLock { for i in items.indices where items[i].id == id { items[i].endsAt = at } }
    }

    func active(at now: Int64) -> [Silence] { lock.withLock { items.filter { $0.startsAt <= now && now < $0.endsAt } } }
}

/// A manager on a MemoryOutbox with a manual clock, and helpers to raise, resolve and read
/// what each notifier was sent.
struct ManagerHarness {
    let clock = ManualClock()
    let outbox = MemoryOutbox()
    let silences = SilenceList()
    let manager: AlertManager

    init(_ settings: AlertingSettings = AlertingSettings(), notifiers: [(String, [String])] = [("slack", ["alerts.#"])]) throws {
        var logger = Logger(label: "alerting-test")
        logger.logLevel = .critical
        let list = silences
        manager = AlertManager(settings: settings, outbox: outbox, silences: { now in list.active(at: now) }, clock: clock,
                               logger: logger)
        for (name, patterns) in notifiers {
            _ = manager.registerNotifier(name: name, patterns: try patterns.map { try BindingPattern($0) })
        }
    }

    func alert(_ rule: String = "cpu_high", host: String = "web1", series: String = "0", severity: AlertEvent.Severity = .critical,
               state: AlertEvent.State = .firing, summary: String = "cpu.total 97% > 90%") -> AlertEvent {
        AlertEvent(rule: rule, severity: severity, state: state, labels: [("cpu", series), ("host", host)], summary: summary,
                   value: 97, score: .nan, timestamp: clock.now(), startsAt: state == .firing ? clock.now() : 0, source: "detector")
    }

    func raise(_ rule: String = "cpu_high", host: String = "web1", series: String = "0", severity: AlertEvent.Severity = .critical) {
        manager.receive(alert(rule, host: host, series: series, severity: severity))
    }

    func resolve(_ rule: String = "cpu_high", host: String = "web1", series: String = "0", severity: AlertEvent.Severity = .critical) {
        manager.receive(alert(rule, host: host, series: series, severity: severity, state: .resolved, summary: ""))
    }

    /// Moves the clock and ticks.
    func advance(_ d: Duration) {
        clock.advance(d)
        manager.tick()
    }

    /// Takes (and marks delivered) everything the notifier has in the outbox, oldest first.
    func sent(to notifier: String = "slack") -> [GroupNotification] {
        var out: [GroupNotification] = []
        while case let .leased(entry) = outbox.leaseHead(notifier: notifier, now: clock.now(), leaseFor: 1_000_000_000) {
            if let n = try? GroupNotification(payload: entry.payload) { out.append(n) }
            outbox.markDelivered(id: entry.id, at: clock.now())
        }
        return out
    }
}
