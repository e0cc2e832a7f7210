/// Turns a published batch into broker messages: points grouped by routing key
/// (`metrics.<host>.<metric>`, the broker routes on it), at most `maxPointsPerMessage`
/// per message, each message with its own series table (see `WireFormat`).
///
/// Per-series work (topic string, encoded table row) is done once per series and cached
/// by id; a batch then costs a few array loads per point and one allocation per message.
/// Not thread-safe: the owner serialises calls.
final class PointsEncoder {
    /// One message ready to publish.
    struct Message {
        var routingKey: String
        var body: [UInt8]
        var pointCount: Int
    }

    let registry: SeriesRegistry
    let maxPointsPerMessage: Int

    private var topicOfSeries: [Int32] = [0]
    private var rowOfSeriesID: [[UInt8]] = [[]]
    private var topics: [String] = []
    private var topicIndex: [String: Int32] = [:]
    // Scratch, reused across calls.
    private var topicOfPoint: [Int32] = []
    private var order: [Int] = []
    private var countPerTopic: [Int] = []
    private var touched: [Int32] = []
    private var rowInMessage: [UInt32] = [0]
    private var stampOfSeries: [UInt32] = [0]
    private var stamp: UInt32 = 0

    init(registry: SeriesRegistry, maxPointsPerMessage: Int) {
        self.registry = registry
        self.maxPointsPerMessage = max(1, min(maxPointsPerMessage, 65_535))
    }

    private func learn(_ id: Int) {
        let topic = registry.topic(of: UInt64(id))
        let t: Int32
        if let known = topicIndex[topic] {
            t = known
        } else {
            t = Int32(topics.count)
            topics.append(topic)
            topicIndex[topic] = t
            countPerTopic.append(0)
        }
        topicOfSeries[id] = t
        var w = WireWriter()
        w.shortString(registry.name(of: UInt64(id)))
        let labels = registry.labels(of: UInt64(id))
        w.u16(UInt16(labels.count))
        for (k, v) in labels { w.shortString(k); w.shortString(v) }
        rowOfSeriesID[id] = w.bytes
    }

    /// Appends the messages for `points` to `out`, in publish order within each routing key.
    func encode(_ points: UnsafeBufferPointer<BusPoint>, into out: inout [Message]) {
        guard let base = points.baseAddress, !points.isEmpty else { return }
        let limit = Int(registry.idLimit)
        if topicOfSeries.count < limit {
            let extra = limit - topicOfSeries.count
            topicOfSeries.append(contentsOf: repeatElement(-1, count: extra))
            rowOfSeriesID.append(contentsOf: repeatElement([], count: extra))
            rowInMessage.append(contentsOf: repeatElement(0, count: extra))
            stampOfSeries.append(contentsOf: repeatElement(0, count: extra))
        }
        // Counting sort by topic keeps each topic's points in publish order.
        topicOfPoint.removeAll(keepingCapacity: true)
        touched.removeAll(keepingCapacity: true)
        for i in 0..<points.count {
            let id = Int(base[i].series)
            guard id > 0, id < limit else { topicOfPoint.append(-1); continue }
            if topicOfSeries[id] < 0 { learn(id) }
            let t = topicOfSeries[id]
            topicOfPoint.append(t)
            if countPerTopic[Int(t)] == 0 { touched.append(t) }
            countPerTopic[Int(t)] += 1
        }
        var start = 0
        var startOfTopic: [Int: Int] = [:]
        for t in touched {
            startOfTopic[Int(t)] = start
            start += countPerTopic[Int(t)]
        }
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: repeatElement(0, count: start))
        var next = startOfTopic
        for i in 0..<points.count {
            let t = Int(topicOfPoint[i])
            guard t >= 0, let slot = next[t] else { continue }
            order[slot] = i
            next[t] = slot + 1
        }
        for t in touched {
            let first = startOfTopic[Int(t)] ?? 0
            let n = countPerTopic[Int(t)]
            countPerTopic[Int(t)] = 0
            var chunk = first
            while chunk < first + n {
                let end = min(chunk + maxPointsPerMessage, first + n)
                out.append(message(topic: Int(t), base: base, from: chunk, to: end))
                chunk = end
            }
        }
    }

    private func message(topic: Int, base: UnsafePointer<BusPoint>, from: Int, to: Int) -> Message {
        stamp &+= 1
        if stamp == 0 {
            for i in stampOfSeries.indices { stampOfSeries[i] = 0 }
            stamp = 1
        }
        var w = WireWriter()
        w.bytes.reserveCapacity(WireFormat.pointsHeaderSize + (to - from) * WireFormat.pointSize + 256)
        w.u8(WireFormat.version)
        w.u8(WireFormat.pointsKind)
        w.u16(0)  // series count, patched below
        w.u32(UInt32(to - from))
        var rows: UInt32 = 0
        for k in from..<to {
            let id = Int(base[order[k]].series)
            if stampOfSeries[id] != stamp {
                stampOfSeries[id] = stamp
                rowInMessage[id] = rows
                rows += 1
                w.bytes.append(contentsOf: rowOfSeriesID[id])
            }
        }
        w.patch16(UInt16(rows), at: 2)
        for k in from..<to {
            let p = base[order[k]]
            w.u32(rowInMessage[Int(p.series)])
            w.i64(p.timestamp)
            w.f64(p.value)
        }
        return Message(routingKey: topics[topic], body: w.bytes, pointCount: to - from)
    }
}
