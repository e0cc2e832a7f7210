import Host

/// Builds one ingest request body, `{"points":[…]}`, point by point into a reused buffer.
/// Non-finite values are left out (the ingest API refuses them) and counted by the caller.
///
/// Threading: the forwarder's encoding thread only.
struct BatchEncoder {
    private let prefixes: SeriesJSONPrefixes
    private(set) var body: [UInt8] = []
    private(set) var points = 0

    init(registry: SeriesRegistry) {
        prefixes = SeriesJSONPrefixes(registry: registry)
        body.reserveCapacity(1 << 20)
        start()
    }

    private mutating func start() {
        body.removeAll(keepingCapacity: true)
        body.append(contentsOf: #"{"points":["#.utf8)
        points = 0
    }

    /// Adds a point; false (and nothing added) for NaN or ±Inf.
    @inline(__always)
    mutating func add(_ p: BusPoint) -> Bool {
        guard p.value.isFinite else { return false }
        if points > 0 { body.append(UInt8(ascii: ",")) }
        PointJSON.appendPoint(prefix: prefixes.prefix(p.series), value: p.value, timestamp: p.timestamp, to: &body)
        points += 1
        return true
    }

    /// The finished body (and its point count); the encoder starts a new batch.
    mutating func finish() -> (body: [UInt8], points: Int) {
        body.append(contentsOf: "]}".utf8)
        let out = (body, points)
        start()
        return out
    }
}
