import PluginAPI

/// nazard's side of the plugin's host function calls: decodes a request from the child
/// and makes the very same `nazar_host_api` call an in-process plugin would, on the
/// instance's context, so validation, counters, bus publishing and alert bookkeeping are
/// one code path for both isolation modes.
///
/// Used by one reader thread; its scratch arrays are reused for every message.
final class PluginHostRequestServer {
    let context: InstanceContext
    private let scratch = PluginHostScratch()
    /// Per point of a publish message: where its labels start in the scratch (-1: none).
    private let labelStarts = UnsafeMutablePointer<Int>.allocate(capacity: PluginHostWire.pointsPerMessage)
    private let api = HostAPITable.table

    init(context: InstanceContext) { self.context = context }

    deinit { labelStarts.deallocate() }

    /// nazar_host_api.log (one-way).
    func log(_ reader: inout PluginHostMessageReader) throws(PluginHostWireError) {
        let level = try reader.read(Int32.self, "level")
        let message = try reader.readCString("message")
        scratch.reset()
        let (start, n) = try scratch.readLabels(&reader)
        api.pointee.log?(context.handle, level, message, UnsafePointer(scratch.labels + start), UInt32(n))
    }

    /// A request that has an answer: the series id for seriesRegister, the return code
    /// (as Int64) for publish and alerts.
    func serve(_ reader: inout PluginHostMessageReader) throws(PluginHostWireError) -> Int64 {
        switch reader.type {
        case .seriesRegister:
            let name = try reader.readCString("name")
            scratch.reset()
            let (start, n) = try scratch.readLabels(&reader)
            let id = api.pointee.series_register?(context.handle, name, UnsafePointer(scratch.labels + start), UInt32(n)) ?? 0
            return Int64(bitPattern: id)
        case .publish:
            return Int64(try publish(&reader))
        case .alertRaise, .alertResolve:
            var alert = try reader.readAlert(scratch)
            let call = reader.type == .alertRaise ? api.pointee.alert_raise : api.pointee.alert_resolve
            return Int64(call?(context.handle, &alert) ?? Int32(NAZAR_ERROR))
        default:
            throw PluginHostWireError("\(reader.type) is not a host function request")
        }
    }

    /// Rebuilds the plugin's batch (names and labels pointing into the message) and
    /// publishes it through the host's own publish().
    private func publish(_ reader: inout PluginHostMessageReader) throws(PluginHostWireError) -> Int32 {
        let count = Int(try reader.read(UInt32.self, "point count"))
        guard count <= scratch.pointCapacity else {
            throw PluginHostWireError("publish of \(count) points in one message (at most \(scratch.pointCapacity))")
        }
        scratch.reset()
        let points = scratch.points
        for i in 0..<count {
            let series = try reader.read(UInt64.self, "series")
            let timestamp = try reader.read(Int64.self, "timestamp_ns")
            let value = try reader.readDouble("value")
            var name: UnsafePointer<CChar>? = nil
            var labelCount = 0
            labelStarts[i] = -1
            if series == 0 {
                name = try reader.readCString("name")
                let (start, n) = try scratch.readLabels(&reader)
                labelStarts[i] = start
                labelCount = n
            }
            points[i] = nazar_point(struct_size: UInt32(MemoryLayout<nazar_point>.size), label_count: UInt32(labelCount),
                                    series: series, name: name, labels: nil, timestamp_ns: timestamp, value: value)
        }
        // Labels may have moved while the array grew: point at them only now.
        for i in 0..<count where labelStarts[i] >= 0 {
            points[i].labels = UnsafePointer(scratch.labels + labelStarts[i])
        }
        var batch = nazar_point_batch(struct_size: UInt32(MemoryLayout<nazar_point_batch>.size),
                                      point_size: UInt32(MemoryLayout<nazar_point>.stride), count: UInt64(count),
                                      points: points)
        return api.pointee.publish?(context.handle, &batch) ?? Int32(NAZAR_ERROR)
    }
}
