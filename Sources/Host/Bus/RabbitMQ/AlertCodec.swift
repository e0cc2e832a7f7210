/// Encodes and decodes alert messages (`WireFormat.alertKind`), one alert per message.
enum AlertCodec {
    static func encode(_ a: AlertEvent) -> [UInt8] {
        var w = WireWriter()
        w.u8(WireFormat.version)
        w.u8(WireFormat.alertKind)
        w.u8(UInt8(a.severity.rawValue))
        w.u8(UInt8(a.state.rawValue))
        w.shortString(a.rule)
        w.u16(UInt16(min(a.labels.count, 0xffff)))
        for (k, v) in a.labels.prefix(0xffff) { w.shortString(k); w.shortString(v) }
        w.longString(a.summary)
        w.shortString(a.source)
        w.f64(a.value)
        w.f64(a.score)
        w.i64(a.timestamp)
        w.i64(a.startsAt)
        return w.bytes
    }

    static func decode(_ body: UnsafeRawBufferPointer) throws(WireFormatError) -> AlertEvent {
        var r = WireReader(body)
        let version = try r.u8("version")
        guard version == WireFormat.version else {
            throw WireFormatError(offset: 0, reason: "unsupported version \(version) (this build reads \(WireFormat.version))")
        }
        let kind = try r.u8("kind")
        guard kind == WireFormat.alertKind else { throw WireFormatError(offset: 1, reason: "kind \(kind) is not an alert message") }
        let sevRaw = try r.u8("severity")
        guard let severity = AlertEvent.Severity(rawValue: UInt32(sevRaw)) else {
            throw WireFormatError(offset: 2, reason: "unknown severity \(sevRaw)")
        }
        let stateRaw = try r.u8("state")
        guard let state = AlertEvent.State(rawValue: UInt32(stateRaw)) else {
            throw WireFormatError(offset: 3, reason: "unknown state \(stateRaw)")
        }
        let rule = try r.shortString("rule")
        let n = Int(try r.u16("label count"))
        var labels: [(String, String)] = []
        for i in 0..<n {
            let k = try r.shortString("label \(i) key")
            let v = try r.shortString("label \(i) value")
            labels.append((k, v))
        }
        let summary = try r.longString("summary")
        let source = try r.shortString("source")
        let value = Double(bitPattern: try r.u64("value"))
        let score = Double(bitPattern: try r.u64("score"))
        let ts = Int64(bitPattern: try r.u64("timestamp"))
        let startsAt = Int64(bitPattern: try r.u64("starts_at"))
        guard r.remaining == 0 else { throw WireFormatError(offset: r.offset, reason: "\(r.remaining) trailing bytes") }
        return AlertEvent(rule: rule, severity: severity, state: state, labels: labels, summary: summary,
                          value: value, score: score, timestamp: ts, startsAt: startsAt, source: source)
    }
}
