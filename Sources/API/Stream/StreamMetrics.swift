import Host

extension PrometheusText {
    /// The live stream's counters for `/metrics`.
    mutating func stream(_ c: StreamHub.Counters) {
        p("nazar_stream_clients", "gauge", "Clients connected to /api/v1/stream.", Double(c.clients))
        p("nazar_stream_connects_total", "counter", "Stream connections accepted.", Double(c.connects))
        p("nazar_stream_events_total", "counter", "Events the stream sealed (point batches and alert changes).", Double(c.events))
        p("nazar_stream_points_total", "counter", "Points the stream took from the bus.", Double(c.pointsIn))
        p("nazar_stream_slow_disconnects_total", "counter", "Stream clients disconnected for falling too far behind.",
          Double(c.slowDisconnects))
        p("nazar_stream_resets_total", "counter", "Resumes answered with reset (Last-Event-ID too old).", Double(c.resets))
        p("nazar_stream_retained_events", "gauge", "Events held for Last-Event-ID resume.", Double(c.retainedEvents))
    }

    private mutating func p(_ name: String, _ type: String, _ help: String, _ value: Double) {
        family(name, type, help)
        sample(name, [], value)
    }
}
