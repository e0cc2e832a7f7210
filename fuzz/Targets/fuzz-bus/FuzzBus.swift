// libFuzzer entry point for what another host or the disk spool hands the RabbitMQ bus:
// the bytes are decoded as a points message, an alert message and a spool segment, and
// once more as the payload of a spool record with a valid CRC (so the fuzzer gets past
// the checksum). Decoders must refuse with an offset, never crash, and what they accept
// must survive a re-encode unchanged. Built only by scripts/fuzz.
@testable import Host

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    decodePoints(bytes)
    decodeAlert(bytes)
    readSpool(bytes)
    // The same bytes as one CRC-valid record: exercises the payload parser and the replay
    // of its body.
    var segment = DiskSpool.header
    var head = WireWriter()
    head.u32(UInt32(bytes.count))
    head.u32(bytes.withUnsafeBytes { CRC32.checksum($0) })
    segment += head.bytes + bytes
    readSpool(segment)
    return 0
}

private func decodePoints(_ bytes: [UInt8]) {
    let registry = SeriesRegistry(maxSeries: 64, defaultHost: "fuzz")
    let decoder = PointsDecoder(registry: registry)
    var out = [BusPoint(series: 0, timestamp: 0, value: 0)]
    let refusal = bytes.withUnsafeBytes { raw -> WireFormatError? in
        do throws(WireFormatError) { try decoder.decode(raw, into: &out); return nil } catch { return error }
    }
    if let error = refusal {
        // "A malformed message is never half-delivered."
        if out.count != 1 { fatalError("refused message left \(out.count - 1) points behind: \(error)") }
        if error.offset < 0 || error.offset > bytes.count { fatalError("offset \(error.offset) outside the message: \(error)") }
        return
    }
    for p in out.dropFirst() where !registry.contains(p.series) {
        fatalError("point refers to series \(p.series) the registry never handed out")
    }
    // Each interned series reads back as the message wrote it (names and labels survive
    // the C strings the registry keeps).
    var reread: [(String, [(String, String)])] = []
    for id in 1..<registry.idLimit { reread.append((registry.name(of: id), registry.labels(of: id))) }
    for (name, labels) in reread {
        guard let id = try? registry.intern(name: name, labels: labels), id <= UInt64(reread.count) else {
            fatalError("series '\(name)' \(labels) does not intern back to itself")
        }
    }
}

private func decodeAlert(_ bytes: [UInt8]) {
    let decoded = bytes.withUnsafeBytes { raw -> Result<AlertEvent, WireFormatError> in
        do throws(WireFormatError) { return .success(try AlertCodec.decode(raw)) } catch { return .failure(error) }
    }
    let alert: AlertEvent
    switch decoded {
    case let .success(a): alert = a
    case let .failure(error):
        if error.offset < 0 || error.offset > bytes.count { fatalError("offset \(error.offset) outside the message: \(error)") }
        return
    }
    // Accepted alerts survive encode → decode bit for bit (NaN values included).
    let encoded = AlertCodec.encode(alert)
    if encoded != bytes {
        fatalError("alert re-encodes to \(encoded.count) bytes differing from the \(bytes.count) accepted")
    }
}

private func readSpool(_ segment: [UInt8]) {
    let parsed = DiskSpool.parseSegment(segment, path: "/var/lib/nazar/spool/0000000000000001.seg")
    if parsed.recordCorrupt && parsed.corrupt == nil { fatalError("corrupt record without a message") }
    // Records read back re-encode to a segment that reads back the same.
    var again = DiskSpool.header
    for r in parsed.records { DiskSpool.encode(r, into: &again) }
    let reparsed = DiskSpool.parseSegment(again, path: "again")
    if reparsed.records != parsed.records || reparsed.corrupt != nil {
        fatalError("spool records do not survive a re-encode: \(reparsed.corrupt ?? "records differ")")
    }
    for r in parsed.records {
        r.body.withUnsafeBytes { raw in
            switch r.exchange {
            case .points:
                let decoder = PointsDecoder(registry: SeriesRegistry(maxSeries: 64, defaultHost: "fuzz"))
                var out: [BusPoint] = []
                _ = try? decoder.decode(raw, into: &out)
            case .alerts:
                _ = try? AlertCodec.decode(raw)
            }
        }
    }
}
