import Logging

/// The host's alert manager: takes every alert from the bus, de-duplicates by fingerprint,
/// holds (pending_for, cooldown), groups, applies silences and routes, and puts one
/// notification per group and receiver into the outbox, from which each notifier
/// instance's `NotifierDelivery` delivers. See Alerting/README.md for the semantics and
/// how they differ from Prometheus Alertmanager.
///
/// Threading: every method is safe from any thread (one internal lock). `receive` and
/// `tick` do the work; the manager's own thread (`start(bus:)`) calls them, tests call
/// them directly with a fake clock. Outbox writes happen inside `tick` on the caller's
/// thread; a write that fails is kept in memory and retried on the next tick.
public final class AlertManager: @unchecked Sendable {
    public let counters = AlertingCounters()
    public let outbox: any NotificationOutbox
    public let settings: AlertingSettings
    let clock: any AlertingClock
    private let logger: Logger
    /// Where silences come from (Storage is the source of truth); nil: no silences.
    private let silenceSource: (@Sendable (Int64) throws(StorageError) -> [Silence])?
    private let lock = ConditionLock()
    private var router: AlertRouter
    private var alerts: [UInt64: ManagedAlert] = [:]
    /// The groups each alert is a member of.
    private var membership: [UInt64: [AlertGroup.Key]] = [:]
    private var groups: [AlertGroup.Key: AlertGroup] = [:]
    /// Earliest `nextFlush` of any group, so most ticks look at no group at all.
    private var earliestFlush: Int64 = .max
    /// Alerts held (pending_for, cooldown) until their `holdUntil`.
    private var held: Set<UInt64> = []
    /// When each series was last notified as firing (for cooldown); pruned after cooldown.
    private var lastFiringNotified: [UInt64: Int64] = [:]
    private var lastPrune: Int64 = 0
    /// Start of the last incident of each series that resolved, with when it resolved: a
    /// raise that started no later is a redelivery (the broker's at-least-once) of an
    /// incident already handled. Pruned `redeliveryWindow` after the resolve.
    private var lastResolved: [UInt64: (startsAt: Int64, at: Int64)] = [:]
    private var silences: [Silence] = []
    private var silencesLoadedAt: Int64 = 0
    private var silencesDirty = true
    private let silenceWarnings = RateLimiter(intervalNanoseconds: 60_000_000_000)
    /// Notifications the outbox refused (store unreachable), retried on each tick.
    private var unsaved: [(notifier: String, fingerprint: UInt64, payload: String, at: Int64)] = []
    private var deliveries: [String: NotifierDelivery] = [:]
    private var runner: AlertManagerThread?

    /// How often silences are re-read from storage even without `silencesChanged()`.
    static let silenceRefresh: Int64 = 1_000_000_000

    public init(settings: AlertingSettings, outbox: any NotificationOutbox,
                silences: (@Sendable (Int64) throws(StorageError) -> [Silence])?, clock: any AlertingClock = SystemAlertingClock(),
                logger: Logger) {
        self.settings = settings
        self.outbox = outbox
        silenceSource = silences
        self.clock = clock
        self.logger = logger
        router = AlertRouter(routes: settings.routes, defaultGrouping: settings.grouping)
    }

    // MARK: Notifier instances

    /// Adds a notifier instance as a receiver and returns its delivery worker's feed.
    /// `patterns` are its plugins.d `subscribe` patterns (they still filter what it gets);
    /// `callTimeout` its call_timeout (how long a lease on an outbox entry lasts).
    public func registerNotifier(name: String, patterns: [BindingPattern], callTimeout: Duration = .seconds(10)) -> NotifierDelivery {
        lock.withLock {
            router.notifiers[name] = AlertRouter.Notifier(name: name, patterns: patterns)
            let delivery = NotifierDelivery(notifier: name, outbox: outbox, settings: settings.outbox, clock: clock,
                                            counters: counters, callTimeout: callTimeout, logger: logger)
            deliveries[name] = delivery
            return delivery
        }
    }

    /// Stops routing new alerts to the instance; what its outbox holds stays there for it.
    public func unregisterNotifier(name: String) {
        lock.withLock {
            router.notifiers[name] = nil
            deliveries.removeValue(forKey: name)?.close()
        }
    }

    /// Names of the notifier instances alerts are routed to.
    public var notifierNames: [String] { lock.withLock { router.notifiers.keys.sorted() } }

    // MARK: Alerts

    /// Takes one alert from the bus (detectors' raise/resolve, already de-duplicated by
    /// the AlertBook of the daemon that ran the detector).
    public func receive(_ event: AlertEvent) {
        counters.received.add(1, ordering: .relaxed)
        let now = clock.now()
        lock.withLock {
            let fp = event.fingerprint
            switch event.state {
            case .firing: fire(event, fp: fp, now: now)
            case .resolved: resolve(event, fp: fp, now: now)
            }
        }
    }

    /// Lock held.
    private func fire(_ event: AlertEvent, fp: UInt64, now: Int64) {
        if var current = alerts[fp], current.state != .resolved {
            current.alert = event  // the same alert again: newest summary and value, nothing else
            current.alert.startsAt = current.startsAt
            alerts[fp] = current
            return
        }
        let startsAt = event.startsAt != 0 ? event.startsAt : event.timestamp
        if let last = lastResolved[fp], startsAt <= last.startsAt, now - last.at < Self.redeliveryWindow { return }
        if let previous = alerts[fp] {
            // It resolved and fires again before a group that notified it sent the
            // resolution: a new incident. The group keeps the old one's resolution for its
            // next notification and notifies this one as new (cooldown permitting).
            for key in membership[fp] ?? [] where groups[key]?.members[fp] == true {
                groups[key]?.ended.append(previous)
                groups[key]?.members[fp] = false
            }
        }
        var holdUntil: Int64 = 0
        if settings.pendingFor > .zero { holdUntil = now + settings.pendingFor.nanoseconds }
        if settings.cooldown > .zero, let last = lastFiringNotified[fp], now < last + settings.cooldown.nanoseconds {
            holdUntil = max(holdUntil, last + settings.cooldown.nanoseconds)
        }
        let receivers = router.receivers(for: event)
        let silencedBy = matchingSilences(event, now: now)
        if !silencedBy.isEmpty { counters.silenced.add(1, ordering: .relaxed) }
        alerts[fp] = ManagedAlert(alert: event, state: settings.pendingFor > .zero ? .pending : .firing, fingerprint: fp,
                                  startsAt: startsAt, endsAt: 0, lastNotified: alerts[fp]?.lastNotified ?? 0,
                                  silencedBy: silencedBy, receivers: receivers.map(\.notifier), holdUntil: holdUntil,
                                  receivedAt: now)
        if holdUntil > now { held.insert(fp) }
        var keys = membership[fp] ?? []
        for receiver in receivers {
            let key = AlertGroup.key(for: event, receiver: receiver)
            var group = groups[key] ?? AlertGroup(key: key, grouping: receiver.grouping, now: now)
            if group.members[fp] == nil { group.members[fp] = false }
            group.changed(now: now)
            earliestFlush = min(earliestFlush, group.nextFlush)
            groups[key] = group
            if !keys.contains(key) { keys.append(key) }
        }
        membership[fp] = keys
    }

    /// Lock held.
    private func resolve(_ event: AlertEvent, fp: UInt64, now: Int64) {
        guard var current = alerts[fp], current.state != .resolved else { return }
        // The resolve of an older incident (redelivered after a newer one fired) ends nothing.
        if event.startsAt != 0 && event.startsAt < current.startsAt { return }
        if membership[fp]?.isEmpty ?? true {
            alerts[fp] = nil  // no receiver ever had it: nothing to notify, nothing to keep
            held.remove(fp)
            return
        }
        // It reached firing where a receiver could be told of it: past pending_for, not held
        // by cooldown, not silenced. (Pending, cooled-down and silenced alerts end unannounced.)
        let fired = current.holdUntil <= now && current.silencedBy.isEmpty
        current.state = .resolved
        current.endsAt = event.timestamp
        let summary = current.alert.summary
        current.alert = event
        current.alert.startsAt = current.startsAt
        if current.alert.summary.isEmpty { current.alert.summary = summary }
        alerts[fp] = current
        held.remove(fp)
        lastResolved[fp] = (current.startsAt, now)
        var owed = false
        for key in membership[fp] ?? [] {
            // A group that already notified it sends its resolution as usual (groupsChanged);
            // one that never did owes a notice that it fired, kept apart from the series'
            // state so that a re-fire before the flush cannot overwrite this incident.
            guard var group = groups[key], group.members[fp] == false else { continue }
            if fired {
                group.unannounced.append(UnannouncedIncident(alert: current, resolveReceivedAt: now))
                owed = true
            }
            removeMember(fp, from: &group)
            group.changed(now: now)
            earliestFlush = min(earliestFlush, group.nextFlush)
            groups[key] = group
        }
        if owed { logUnannounced(current, now: now) }
        groupsChanged(of: fp, now: now)
    }

    /// Lock held. The journal's record of an incident that resolved before it was notified,
    /// with the times that say why: how late its raise reached the manager (a backlog, such
    /// as a replay after an outage) and how far apart its raise and its resolve arrived.
    private func logUnannounced(_ a: ManagedAlert, now: Int64) {
        let lag = UnannouncedIncident.duration(a.receivedAt - a.startsAt)
        let apart = UnannouncedIncident.duration(now - a.receivedAt)
        let text = "\(a.alert.rule) fired \(QueryTime.format(a.startsAt)) and resolved \(QueryTime.format(a.endsAt)) "
            + "before its group notified it (raise received \(lag) after it started, resolve \(apart) after the raise); "
            + "a resolved notice saying it fired goes out at the group's next flush"
        logger.info("\(text)", metadata: [
            "nazar_event": "alert_resolved_unannounced", "nazar_alert": "\(a.alert.rule)",
            "nazar_fingerprint": "\(hex(a.fingerprint))", "nazar_starts_at": "\(a.startsAt)", "nazar_ends_at": "\(a.endsAt)",
            "nazar_received_at": "\(a.receivedAt)", "nazar_resolve_received_at": "\(now)",
        ])
    }

    /// Lock held.
    private func groupsChanged(of fp: UInt64, now: Int64) {
        for key in membership[fp] ?? [] {
            groups[key]?.changed(now: now)
            if let t = groups[key]?.nextFlush { earliestFlush = min(earliestFlush, t) }
        }
    }

    /// Re-reads silences (when due or asked to), releases held alerts whose time came,
    /// and sends every group whose flush time came. Returns the earliest time (ns since the
    /// epoch) anything will be due, so a caller may sleep until then.
    @discardableResult
    public func tick() -> Int64 {
        let now = clock.now()
        let reload = lock.withLock { silencesDirty || now - silencesLoadedAt >= Self.silenceRefresh }
        var loaded: [Silence]?
        if reload, let source = silenceSource {
            do {
                loaded = try source(now)
            } catch {
                if silenceWarnings.allow() {
                    logger.warning("cannot read silences, keeping the last ones: \(error)", metadata: ["nazar_event": "silences_unavailable"])
                }
            }
        }
        return lock.withLock {
            if reload {
                silencesDirty = false
                silencesLoadedAt = now
                if let loaded { applySilences(loaded, now: now) }
            }
            releaseHeld(now: now)
            retryUnsaved()
            if earliestFlush <= now { flushDue(now: now, force: false) }
            prune(now: now)
            var next = min(earliestFlush, silencesLoadedAt + Self.silenceRefresh)
            for fp in held { if let t = alerts[fp]?.holdUntil { next = min(next, t) } }
            return next
        }
    }

    /// Tells the manager silences changed in storage (the HTTP API, after creating or
    /// expiring one): the next tick re-reads them instead of waiting up to a second.
    public func silencesChanged() {
        lock.withLock { silencesDirty = true }
    }

    /// Alerts firing or pending, oldest first.
    public func firing() -> [ManagedAlert] {
        lock.withLock {
            alerts.values.filter { $0.state != .resolved }.sorted { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }
        }
    }

    /// Sends every group that has something to say now, ignoring group_wait and
    /// group_interval: at shutdown, so what was accepted is in the outbox before exit.
    public func flushAll() {
        let now = clock.now()
        lock.withLock {
            retryUnsaved()
            flushDue(now: now, force: true)
        }
    }

    // MARK: Silences

    /// Lock held.
    private func matchingSilences(_ alert: AlertEvent, now: Int64) -> [Int64] {
        silences.filter { $0.startsAt <= now && now < $0.endsAt && alert.matches($0.matchers) }.map(\.id)
    }

    /// Lock held. A silence that starts or ends changes which alerts a group may notify.
    private func applySilences(_ active: [Silence], now: Int64) {
        silences = active
        for (fp, a) in alerts where a.state != .resolved {
            let ids = matchingSilences(a.alert, now: now)
            if ids != a.silencedBy {
                alerts[fp]?.silencedBy = ids
                if ids.isEmpty { groupsChanged(of: fp, now: now) }
            }
        }
    }

    // MARK: Flushing

    /// Lock held.
    private func releaseHeld(now: Int64) {
        guard !held.isEmpty else { return }
        for fp in held where (alerts[fp]?.holdUntil ?? 0) <= now {
            held.remove(fp)
            guard var a = alerts[fp], a.state != .resolved else { continue }
            a.holdUntil = 0
            a.state = .firing
            alerts[fp] = a
            groupsChanged(of: fp, now: now)
        }
    }

    /// Lock held.
    private func flushDue(now: Int64, force: Bool) {
        var next: Int64 = .max
        for key in Array(groups.keys) {
            guard var group = groups[key] else { continue }
            if group.nextFlush <= now || force {
                flush(&group, now: now, force: force)
            }
            if group.isEmpty {
                groups[key] = nil
            } else {
                groups[key] = group
                next = min(next, group.nextFlush)
            }
        }
        earliestFlush = next
    }

    /// Lock held. Decides what one group says now, if anything, and enqueues it.
    private func flush(_ group: inout AlertGroup, now: Int64, force: Bool) {
        let g = group.grouping
        let repeatDue = group.lastNotified > 0 && now >= group.lastNotified + g.repeatInterval.nanoseconds
        // Incidents that fired and ended unannounced: one per series now (all at shutdown).
        var notices: [[UnannouncedIncident]] = []
        repeat {
            let batch = Self.takeUnannounced(&group)
            if !batch.isEmpty { notices.append(batch) }
        } while force && !group.unannounced.isEmpty
        // A series with an earlier incident still owed waits with its re-fire, so its
        // notices reach the outbox in the order they happened.
        let owed = Set(group.unannounced.map(\.alert.fingerprint))
        var firing: [ManagedAlert] = []
        var newlyFiring = 0
        // Notified incidents that resolved: members, and those a re-fire replaced (`ended`).
        var resolved = group.ended
        group.ended = []
        var resolvedMembers: [UInt64] = []
        for (fp, notified) in group.members {
            guard let a = alerts[fp] else { removeMember(fp, from: &group); continue }
            if a.state == .resolved {
                // Not notified by this group: resolve() already moved it out (to `unannounced`
                // if it fired), so this is only a safety net.
                if notified {
                    resolved.append(a)
                    resolvedMembers.append(fp)
                } else {
                    removeMember(fp, from: &group)
                }
                continue
            }
            if a.state == .pending || a.holdUntil > now || !a.silencedBy.isEmpty || owed.contains(fp) { continue }
            firing.append(a)
            if !notified { newlyFiring += 1 }
        }
        // In the order things happened: resolutions of notified incidents, then incidents that
        // fired and ended unannounced, then what fires now (counting the resolutions).
        let sendFiring = !firing.isEmpty && (newlyFiring > 0 || !resolved.isEmpty || repeatDue)
        if firing.isEmpty && !resolved.isEmpty {
            if g.sendResolved {
                resolved.sort { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }
                let rep = resolved.first { $0.fingerprint == group.representative } ?? resolved[0]
                var alert = rep.alert
                alert.state = .resolved
                alert.summary = Self.summary(rep.alert, others: resolved.count - 1, resolved: 0)
                enqueue(GroupNotification(alert: alert, count: resolved.count), to: group.key.receiver, now: now)
            }
            for fp in resolvedMembers { removeMember(fp, from: &group) }
            group.representative = nil
            group.lastNotified = now
        }
        for batch in notices { enqueueUnannounced(batch, group: &group, now: now) }
        if sendFiring {
            firing.sort { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }
            let rep = firing.first { $0.fingerprint == group.representative } ?? firing[0]
            var alert = rep.alert
            alert.state = .firing
            alert.summary = Self.summary(rep.alert, others: firing.count - 1, resolved: resolved.count)
            enqueue(GroupNotification(alert: alert, count: firing.count, resolvedCount: resolved.count),
                    to: group.key.receiver, now: now)
            group.representative = rep.fingerprint
            for a in firing {
                group.members[a.fingerprint] = true
                alerts[a.fingerprint]?.lastNotified = now
                lastFiringNotified[a.fingerprint] = now
            }
            for fp in resolvedMembers { removeMember(fp, from: &group) }
            group.lastNotified = now
        }
        let stillFiring = group.members.contains { fp, notified in notified && alerts[fp]?.state != .resolved }
        group.nextFlush = stillFiring && group.lastNotified > 0 ? group.lastNotified + g.repeatInterval.nanoseconds : .max
        if !group.unannounced.isEmpty {
            group.nextFlush = min(group.nextFlush, group.lastNotified + g.groupInterval.nanoseconds)
        }
        if force && group.lastNotified == 0 { group.nextFlush = .max }
    }

    /// The group's unannounced incidents for one notice, at most one per series: a series'
    /// later incident waits for the next flush (group_interval), so each notice names one
    /// incident of every series it counts, with that incident's own start and end.
    private static func takeUnannounced(_ group: inout AlertGroup) -> [UnannouncedIncident] {
        var series: Set<UInt64> = []
        var batch: [UnannouncedIncident] = []
        var later: [UnannouncedIncident] = []
        for incident in group.unannounced {
            if series.insert(incident.alert.fingerprint).inserted { batch.append(incident) } else { later.append(incident) }
        }
        group.unannounced = later
        return batch.sorted { ($0.alert.startsAt, $0.alert.fingerprint) < ($1.alert.startsAt, $1.alert.fingerprint) }
    }

    /// Lock held. One resolved notice for `batch` (from `takeUnannounced`). Counts as
    /// telling of the series firing, for cooldown.
    private func enqueueUnannounced(_ batch: [UnannouncedIncident], group: inout AlertGroup, now: Int64) {
        guard let first = batch.first else { return }
        var alert = first.alert.alert
        alert.state = .resolved
        alert.startsAt = first.alert.startsAt
        alert.timestamp = first.alert.endsAt
        alert.summary = first.summary(others: batch.count - 1)
        // Sent even with send_resolved = false: it is the only notice these incidents get.
        enqueue(GroupNotification(alert: alert, count: batch.count, unannounced: true), to: group.key.receiver, now: now)
        for incident in batch { lastFiringNotified[incident.alert.fingerprint] = now }
        group.lastNotified = now
    }

    /// Lock held. Drops an alert from a group, and from the manager once no group holds it
    /// and it resolved.
    private func removeMember(_ fp: UInt64, from group: inout AlertGroup) {
        group.members[fp] = nil
        guard var keys = membership[fp] else { return }
        keys.removeAll { $0 == group.key }
        if keys.isEmpty {
            membership[fp] = nil
            if alerts[fp]?.state == .resolved { alerts[fp] = nil }
        } else {
            membership[fp] = keys
        }
    }

    /// "cpu_high on web1 and 11 more: cpu.total 97.2% > 90% for 5m" — one call per group,
    /// so the count travels in the text (the ABI hands notify() one alert).
    static func summary(_ alert: AlertEvent, others: Int, resolved: Int) -> String {
        var s = alert.summary
        if others > 0 {
            let host = alert.labelValue("host")
            let subject = host.isEmpty ? alert.rule : "\(alert.rule) on \(host)"
            s = s.isEmpty ? "\(subject) and \(others) more" : "\(subject) and \(others) more: \(s)"
        }
        if resolved > 0 { s += " (\(resolved) resolved)" }
        return s
    }

    /// Lock held.
    private func enqueue(_ n: GroupNotification, to notifier: String, now: Int64) {
        let payload = n.payload
        do {
            _ = try outbox.enqueue(notifier: notifier, fingerprint: n.alert.fingerprint, payload: payload, at: now)
            counters.enqueued.add(1, ordering: .relaxed)
            deliveries[notifier]?.wake()
        } catch {
            counters.enqueueFailures.add(1, ordering: .relaxed)
            logger.error("outbox refused a notification for \(notifier), kept in memory: \(error)",
                         metadata: ["nazar_event": "outbox_write_failed", "nazar_plugin": "\(notifier)"])
            unsaved.append((notifier, n.alert.fingerprint, payload, now))
        }
    }

    /// Lock held. In order: a later notification must not overtake one kept in memory.
    private func retryUnsaved() {
        while let first = unsaved.first {
            do {
                _ = try outbox.enqueue(notifier: first.notifier, fingerprint: first.fingerprint, payload: first.payload, at: first.at)
            } catch {
                return
            }
            unsaved.removeFirst()
            counters.enqueued.add(1, ordering: .relaxed)
            deliveries[first.notifier]?.wake()
        }
    }

    /// How long after a resolve a raise of the same or an older incident is taken for a
    /// redelivery and ignored: a broker requeues within seconds of a reconnect; kept short so
    /// a wall clock stepped backwards cannot hide a real new incident for long.
    static let redeliveryWindow: Int64 = 600 * 1_000_000_000

    /// How long delivered and failed notifications stay listable (`nazarctl alerts`).
    public static let finishedNotificationRetention: Int64 = 7 * 86_400 * 1_000_000_000

    /// Lock held. Once a minute: cooldown entries past their use, and old finished outbox entries.
    private func prune(now: Int64) {
        guard now - lastPrune >= 60_000_000_000 else { return }
        lastPrune = now
        let horizon = now - settings.cooldown.nanoseconds
        lastFiringNotified = lastFiringNotified.filter { $0.value > horizon || alerts[$0.key] != nil }
        lastResolved = lastResolved.filter { now - $0.value.at < Self.redeliveryWindow }
        do {
            _ = try outbox.prune(before: now - Self.finishedNotificationRetention)
        } catch {
            logger.warning("cannot prune the outbox: \(error)", metadata: ["nazar_event": "outbox_write_failed"])
        }
    }

    // MARK: Thread

    /// Subscribes to every alert on the bus and starts the manager's thread. Called by the
    /// daemon when its first notifier instance starts (an agent without notifiers never
    /// subscribes, so with the RabbitMQ bus only the central daemon manages alerts).
    public func start(bus: any Bus) {
        lock.withLock {
            guard runner == nil else { return }
            do {
                let released = try outbox.releaseLeases()
                if released > 0 {
                    logger.notice("\(released) notification(s) left leased by a previous run are due again",
                                  metadata: ["nazar_event": "outbox_recovered"])
                }
            } catch {
                logger.error("cannot release old outbox leases: \(error)", metadata: ["nazar_event": "outbox_write_failed"])
            }
            let r = AlertManagerThread(manager: self, bus: bus)
            if r.start() {
                runner = r
            } else {
                logger.error("alert manager disabled: cannot start its thread", metadata: ["nazar_event": "alertmanager_failed"])
            }
        }
    }

    /// Stops taking alerts, puts every group's pending news in the outbox (nothing
    /// accepted is lost across a restart), and stops the thread. Idempotent.
    public func stop() {
        let r = lock.withLock { () -> AlertManagerThread? in
            defer { runner = nil }
            return runner
        }
        r?.stop()
        flushAll()
    }

    public var isRunning: Bool { lock.withLock { runner != nil } }

    /// Alerts lost before the manager saw them: its bus queue (10,000) was full.
    public var droppedFromBus: UInt64 { lock.withLock { runner?.dropped ?? 0 } }
}
