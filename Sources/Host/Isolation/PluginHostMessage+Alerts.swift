import PluginAPI

/// Growable scratch arrays that decoded labels and points point into; reset per message.
/// Owned by one receiving thread.
final class PluginHostScratch {
    private(set) var labels: UnsafeMutablePointer<nazar_label>
    private var labelCapacity: Int
    private var labelCount = 0
    let points: UnsafeMutablePointer<nazar_point>
    let pointCapacity: Int

    init(pointCapacity: Int = PluginHostWire.pointsPerMessage) {
        labelCapacity = 256
        labels = .allocate(capacity: labelCapacity)
        self.pointCapacity = pointCapacity
        points = .allocate(capacity: pointCapacity)
    }

    deinit {
        labels.deallocate()
        points.deallocate()
    }

    func reset() { labelCount = 0 }

    /// Reads u32 count and that many key/value strings; returns where they start in
    /// `labels` (an index, because a later read may grow and move the array).
    func readLabels(_ reader: inout PluginHostMessageReader) throws(PluginHostWireError) -> (start: Int, count: Int) {
        let n = Int(try reader.read(UInt32.self, "label count"))
        guard n <= 1024 else { throw PluginHostWireError("\(n) labels on one item (at most 1024)") }
        if labelCount + n > labelCapacity {
            var grown = labelCapacity * 2
            while grown < labelCount + n { grown *= 2 }
            let fresh = UnsafeMutablePointer<nazar_label>.allocate(capacity: grown)
            fresh.moveInitialize(from: labels, count: labelCount)
            labels.deallocate()
            labels = fresh
            labelCapacity = grown
        }
        let start = labelCount
        for i in 0..<n {
            let key = try reader.readCString("label key")
            let value = try reader.readCString("label value")
            (labels + start + i).initialize(to: nazar_label(key: key, value: value))
        }
        labelCount += n
        return (start, n)
    }
}

extension PluginHostMessageWriter {
    /// Every field of a C alert (as a plugin raised it, or as the host fills it for notify).
    func put(alert a: UnsafePointer<nazar_alert>) {
        let size = a.pointee.struct_size
        // Fields past what the producer compiled are not read (they may not exist).
        func has(_ end: Int?) -> Bool { end.map { Int(size) >= $0 } ?? false }
        put(a.pointee.severity)
        put(a.pointee.state)
        put(a.pointee.value)
        put(a.pointee.score)
        put(a.pointee.timestamp_ns)
        let tail = has(MemoryLayout<nazar_alert>.offset(of: \nazar_alert.source).map { $0 + 8 })
        put(tail ? a.pointee.starts_at_ns : 0)
        put(tail ? a.pointee.fingerprint : 0)
        put(cString: a.pointee.rule)
        put(cString: a.pointee.summary)
        put(cString: tail ? a.pointee.source : nil)
        // The host reads at most 64 labels of an alert; no more cross.
        put(labels: a.pointee.labels, count: Int(min(a.pointee.label_count, 64)))
    }
}

extension PluginHostMessageReader {
    /// The alert `PluginHostMessageWriter.put(alert:)` wrote, its strings and labels pointing into the
    /// message and `scratch`.
    mutating func readAlert(_ scratch: PluginHostScratch) throws(PluginHostWireError) -> nazar_alert {
        var a = nazar_alert()
        a.struct_size = UInt32(MemoryLayout<nazar_alert>.size)
        a.severity = try read(UInt32.self, "severity")
        a.state = try read(UInt32.self, "state")
        a.value = try readDouble("value")
        a.score = try readDouble("score")
        a.timestamp_ns = try read(Int64.self, "timestamp_ns")
        a.starts_at_ns = try read(Int64.self, "starts_at_ns")
        a.fingerprint = try read(UInt64.self, "fingerprint")
        a.rule = try readCString("rule")
        a.summary = try readCString("summary")
        a.source = try readCString("source")
        scratch.reset()
        let (start, n) = try scratch.readLabels(&self)
        a.label_count = UInt32(n)
        a.labels = UnsafePointer(scratch.labels + start)
        return a
    }
}
