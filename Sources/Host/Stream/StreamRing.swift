/// The last events of the stream, bounded by count, total points and age, so a client
/// that reconnects with `Last-Event-ID` gets what it missed or learns that it is too late.
///
/// Not thread-safe: `StreamHub` owns it under its lock.
struct StreamRing {
    /// Where a resume from a given id starts.
    enum ResumePoint: Equatable {
        /// Deliver the retained events from this index on (may be `count`: nothing missed).
        case index(Int)
        /// Events after the id were already dropped (or the id is from another run of the
        /// server): the client must re-query.
        case tooOld
    }

    private(set) var events: [StreamEvent] = []
    private var head = 0
    private(set) var pointCount = 0
    /// The id the next event gets.
    private(set) var nextID: UInt64
    private let settings: StreamSettings

    /// `firstID`: ids start here, so ids of an earlier run of the server (started from the
    /// wall clock in ms) are lower and resume from them resets.
    init(settings: StreamSettings, firstID: UInt64) {
        self.settings = settings
        nextID = max(1, firstID)
    }

    var count: Int { events.count - head }
    /// The id of the newest event; `nextID - 1` when empty.
    var lastID: UInt64 { nextID - 1 }
    /// The id of the oldest retained event (`nextID` when empty).
    var firstRetainedID: UInt64 { count == 0 ? nextID : events[head].id }

    subscript(i: Int) -> StreamEvent { events[head + i] }

    /// Appends an event, then drops the oldest ones past any bound (never the new one).
    @discardableResult
    mutating func append(_ payload: StreamEvent.Payload, now: Int64) -> StreamEvent {
        let event = StreamEvent(id: nextID, payload: payload, sealedAt: now)
        nextID += 1
        events.append(event)
        pointCount += event.pointCount
        evict(now: now)
        return event
    }

    /// Drops events older than the retention, or past the count and point bounds.
    mutating func evict(now: Int64) {
        let oldest = now &- settings.retention.nanoseconds
        while count > 1 && (count > settings.maxEvents || pointCount > settings.maxPoints || events[head].sealedAt < oldest) {
            pointCount -= events[head].pointCount
            head += 1
        }
        if head > 1024 && head * 2 > events.count {
            events.removeFirst(head)
            head = 0
        }
    }

    /// Where to resume for a client whose last seen event is `lastSeen`.
    func resumePoint(after lastSeen: UInt64) -> ResumePoint {
        if lastSeen > lastID { return .tooOld }  // from another (earlier, wall-clock-later) run
        if lastSeen + 1 < firstRetainedID { return .tooOld }
        return .index(Int(lastSeen + 1 - firstRetainedID))
    }
}
