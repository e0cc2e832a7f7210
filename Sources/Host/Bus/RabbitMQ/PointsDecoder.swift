/// Decodes points messages into `BusPoint`s of this process's registry.
///
/// Series rows are interned once and cached by their exact bytes, so a stream of
/// messages about known series costs one dictionary lookup per row. Not thread-safe:
/// each consumer thread owns one decoder.
final class PointsDecoder {
    let registry: SeriesRegistry
    private var idOfRow: [[UInt8]: UInt64] = [:]
    private var rowIDs: [UInt64] = []

    init(registry: SeriesRegistry) { self.registry = registry }

    /// Appends the message's points to `out`. On error nothing is appended and the error
    /// names the offending byte offset (a malformed message is never half-delivered).
    func decode(_ body: UnsafeRawBufferPointer, into out: inout [BusPoint]) throws(WireFormatError) {
        var r = WireReader(body)
        let version = try r.u8("version")
        guard version == WireFormat.version else {
            throw WireFormatError(offset: 0, reason: "unsupported version \(version) (this build reads \(WireFormat.version))")
        }
        let kind = try r.u8("kind")
        guard kind == WireFormat.pointsKind else {
            throw WireFormatError(offset: 1, reason: "kind \(kind) is not a points message")
        }
        let seriesCount = Int(try r.u16("series count"))
        let pointCount = Int(try r.u32("point count"))
        rowIDs.removeAll(keepingCapacity: true)
        for row in 0..<seriesCount {
            // Find the row's end by its length fields alone; strings are only built for
            // a row this decoder has not seen before.
            let start = r.offset
            try r.skipShort("series \(row) name")
            let labelCount = Int(try r.u16("series \(row) label count"))
            for l in 0..<labelCount {
                try r.skipShort("series \(row) label \(l) key")
                try r.skipShort("series \(row) label \(l) value")
            }
            let key = Array(UnsafeRawBufferPointer(rebasing: body[start..<r.offset]))
            if let id = idOfRow[key] {
                rowIDs.append(id)
                continue
            }
            var row_ = WireReader(UnsafeRawBufferPointer(rebasing: body[start..<r.offset]))
            let name = try row_.shortString("series \(row) name")
            _ = try row_.u16("series \(row) label count")
            var labels: [(String, String)] = []
            labels.reserveCapacity(labelCount)
            for l in 0..<labelCount {
                let k = try row_.shortString("series \(row) label \(l) key")
                let v = try row_.shortString("series \(row) label \(l) value")
                labels.append((k, v))
            }
            do {
                let id = try registry.intern(name: name, labels: labels)
                idOfRow[key] = id
                rowIDs.append(id)
            } catch {
                throw WireFormatError(offset: start, reason: "series \(row) '\(name)' refused: \(error)")
            }
        }
        try r.need(pointCount * WireFormat.pointSize, "points (\(pointCount) declared)")
        guard r.remaining == pointCount * WireFormat.pointSize else {
            throw WireFormatError(offset: r.offset + pointCount * WireFormat.pointSize,
                                  reason: "\(r.remaining - pointCount * WireFormat.pointSize) trailing bytes after \(pointCount) points")
        }
        let first = out.count
        out.reserveCapacity(first + pointCount)
        for i in 0..<pointCount {
            let at = r.offset
            let row = Int(try r.u32("point \(i) series"))
            let ts = Int64(bitPattern: try r.u64("point \(i) timestamp"))
            let value = Double(bitPattern: try r.u64("point \(i) value"))
            guard row < rowIDs.count else {
                out.removeSubrange(first...)
                throw WireFormatError(offset: at, reason: "point \(i) refers to series row \(row) of \(rowIDs.count)")
            }
            out.append(BusPoint(series: rowIDs[row], timestamp: ts, value: value))
        }
    }
}
