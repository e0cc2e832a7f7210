/// The manager's thread: pops alerts from its bus subscription and ticks the manager at
/// least ten times a second (sooner when a group is due).
final class AlertManagerThread: @unchecked Sendable {
    static let subscriberName = "nazar-alertmanager"
    private unowned let manager: AlertManager
    private let bus: any Bus
    private let queue: AlertQueue
    private let lock = ConditionLock()
    private var stopRequested = false
    private var finished = false

    init(manager: AlertManager, bus: any Bus) {
        self.manager = manager
        self.bus = bus
        // Every alert: routing and the instances' own patterns choose receivers later.
        let all = (try? BindingPattern("alerts.#")).map { [$0] } ?? []
        queue = bus.subscribeAlerts(name: Self.subscriberName, patterns: all)
    }

    /// Alerts the bus dropped because this subscription's queue was full.
    var dropped: UInt64 { queue.dropped }

    func start() -> Bool {
        let started = WorkerThread.start(name: "nz-alertmanager") { [self] in run() }
        if !started { bus.unsubscribe(name: Self.subscriberName) }
        return started
    }

    /// Unsubscribes, handles what the queue still holds, and waits for the thread.
    func stop() {
        lock.withLock { stopRequested = true }
        bus.unsubscribe(name: Self.subscriberName)
        queue.close()
        lock.withLock {
            while !finished { lock.wait(.second, untilMonotonicNanoseconds: .max) }
        }
    }

    private func run() {
        var nextTick = wallClockNanoseconds()
        while true {
            let wait = max(0, min(nextTick - wallClockNanoseconds(), 100_000_000))
            if let alert = queue.pop(untilMonotonicNanoseconds: monotonicNanoseconds() + wait) {
                manager.receive(alert)
                // A burst: take what is queued before flushing, so group_wait 0 still groups it.
                while let more = queue.pop(untilMonotonicNanoseconds: 0) { manager.receive(more) }
            } else if queue.isClosed {
                break
            }
            if lock.withLock({ stopRequested }) && queue.depth == 0 { break }
            nextTick = manager.tick()
        }
        lock.withLock {
            finished = true
            lock.broadcast(.second)
        }
    }
}
