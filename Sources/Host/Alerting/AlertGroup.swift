/// Alerts that share a receiver, a route and the values of the route's `group_by` labels:
/// they are notified together, in one call.
struct AlertGroup {
    struct Key: Hashable, Sendable {
        var receiver: String
        var route: Int
        /// The group_by label values, NUL-separated.
        var values: String
    }

    let key: Key
    let grouping: AlertGrouping
    let createdAt: Int64
    /// Fingerprint → whether the group's last notification counted it as firing.
    var members: [UInt64: Bool] = [:]
    /// When the group is evaluated next; `.max` when nothing is due.
    var nextFlush: Int64
    /// When the group last sent a notification; 0 if never.
    var lastNotified: Int64 = 0
    /// The alert named by the group's last firing notification, kept as long as it fires so
    /// that a mail thread (In-Reply-To on the fingerprint) stays one thread.
    var representative: UInt64?
    /// Incidents that fired and resolved before this group notified them, oldest
    /// resolution first: each is owed one resolved notice (see `UnannouncedIncident`).
    var unannounced: [UnannouncedIncident] = []
    /// Notified incidents that resolved and whose series fired again before this group sent
    /// the resolution: it goes out with the group's next notification.
    var ended: [ManagedAlert] = []

    /// Nothing left to track: no member alert and no notice or resolution owed.
    var isEmpty: Bool { members.isEmpty && unannounced.isEmpty && ended.isEmpty }

    init(key: Key, grouping: AlertGrouping, now: Int64) {
        self.key = key
        self.grouping = grouping
        createdAt = now
        nextFlush = now + grouping.groupWait.nanoseconds
    }

    /// Something changed (an alert joined, resolved, or became notifiable): the first
    /// notification still waits for group_wait, later ones for group_interval.
    mutating func changed(now: Int64) {
        let earliest = lastNotified == 0 ? createdAt + grouping.groupWait.nanoseconds
                                         : lastNotified + grouping.groupInterval.nanoseconds
        nextFlush = min(nextFlush, max(now, earliest))
    }

    static func key(for alert: AlertEvent, receiver: AlertRouter.Receiver) -> Key {
        var values = ""
        for label in receiver.grouping.groupBy {
            values += alert.labelValue(label)
            values += "\u{0}"
        }
        return Key(receiver: receiver.notifier, route: receiver.route, values: values)
    }
}
