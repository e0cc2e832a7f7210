/// An incident that reached `firing` and resolved before its group sent any notification
/// about it (it fired and ended within group_wait or group_interval, or both its raise and
/// its resolve reached the manager in one burst). Alertmanager drops such an alert; Nazar
/// owes the receiver one resolved notice saying that it fired and when, so a group keeps
/// these until its next flush.
struct UnannouncedIncident: Sendable {
    /// The alert as it resolved: `startsAt`, `endsAt`, the firing summary.
    var alert: ManagedAlert
    /// When the manager received the resolve (its clock, ns since the epoch).
    var resolveReceivedAt: Int64

    /// The notice's summary for one incident or the representative of several:
    /// "cpu.total 97% > 90% (fired 2026-11-23T17:40:01.234Z, resolved 0.1 s later, before it
    /// was notified)". `others` counts the other incidents in the same notice.
    func summary(others: Int) -> String {
        let base = AlertManager.summary(alert.alert, others: others, resolved: 0)
        let when = "fired \(QueryTime.format(alert.startsAt)), resolved \(Self.duration(alert.endsAt - alert.startsAt)) later"
        let tail = others == 0 ? "before it was notified" : "all \(others + 1) before they were notified"
        return base.isEmpty ? "\(when), \(tail)" : "\(base) (\(when), \(tail))"
    }

    /// "0.1 s", "42 s", "3 min 20 s", "2 h 5 min": how long it fired, as a person reads it.
    static func duration(_ nanoseconds: Int64) -> String {
        let ns = max(0, nanoseconds)
        if ns < 10_000_000_000 {
            let tenths = (ns + 50_000_000) / 100_000_000
            return "\(tenths / 10).\(tenths % 10) s"
        }
        let s = ns / 1_000_000_000
        if s < 120 { return "\(s) s" }
        if s < 7200 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
        let minutes = (s % 3600) / 60
        return minutes == 0 ? "\(s / 3600) h" : "\(s / 3600) h \(minutes) min"
    }
}
