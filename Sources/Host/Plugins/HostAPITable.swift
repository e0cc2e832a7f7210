import Logging
import PluginAPI

/// The `nazar_host_api` table handed to every plugin at create time. One static table
/// serves all instances; the `nazar_host *` argument says which instance is calling.
enum HostAPITable {
    /// Allocated once and never freed: plugins may keep the pointer for their lifetime.
    nonisolated(unsafe) static let table: UnsafeMutablePointer<nazar_host_api> = {
        let t = UnsafeMutablePointer<nazar_host_api>.allocate(capacity: 1)
        t.initialize(to: nazar_host_api(
            struct_size: UInt32(MemoryLayout<nazar_host_api>.size),
            abi_version: UInt32(NAZAR_ABI_VERSION),
            log: hostLog,
            now_ns: { _ in wallClockNanoseconds() },
            monotonic_ns: { _ in monotonicNanoseconds() },
            series_register: hostSeriesRegister,
            publish: hostPublish,
            alert_raise: { handle, alert in hostAlert(handle, alert, firing: true) },
            alert_resolve: { handle, alert in hostAlert(handle, alert, firing: false) },
            hostname: { handle in UnsafePointer(InstanceContext.from(handle)?.hostnameC) },
            state_directory: { handle in UnsafePointer(InstanceContext.from(handle)?.stateDirectoryC) },
            config_path: { handle in UnsafePointer(InstanceContext.from(handle)?.configPathC) }))
        return t
    }()
}

private let hostLog: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<nazar_label>?, UInt32) -> Void = {
    handle, level, message, fields, count in
    guard let ctx = InstanceContext.from(handle) else { return }
    var metadata: Logger.Metadata = ["nazar_plugin": "\(ctx.name)"]
    if let fields {
        for i in 0..<Int(min(count, 64)) {
            guard let k = fields[i].key, let v = fields[i].value else { continue }
            metadata[String(cString: k).lowercased()] = "\(String(cString: v))"
        }
    }
    let text = message.map { String(cString: $0) } ?? ""
    let swiftLevel: Logger.Level
    switch level {
    case ...3: swiftLevel = .error
    case 4: swiftLevel = .warning
    case 5: swiftLevel = .notice
    case 6: swiftLevel = .info
    default: swiftLevel = .debug
    }
    ctx.logger.log(level: swiftLevel, "\(text)", metadata: metadata)
}

private let hostSeriesRegister: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<nazar_label>?, UInt32) -> UInt64 = {
    handle, name, labels, count in
    guard let ctx = InstanceContext.from(handle) else { return 0 }
    do {
        return try ctx.bus.registry.intern(name: name, labels: labels, count: count)
    } catch {
        ctx.warnLimited("series refused: \(error)", event: "series_refused")
        return 0
    }
}

private let hostPublish: @convention(c) (OpaquePointer?, UnsafePointer<nazar_point_batch>?) -> Int32 = { handle, batch in
    guard let ctx = InstanceContext.from(handle) else { return Int32(NAZAR_ERROR) }
    guard ctx.accepting.load(ordering: .relaxed) else { return Int32(NAZAR_STOPPED) }
    guard let batch else { return Int32(NAZAR_ERROR) }
    let b = batch.pointee
    let minimumPoint = MemoryLayout<nazar_point>.offset(of: \nazar_point.value).map { $0 + 8 } ?? 48
    guard b.struct_size >= UInt32(MemoryLayout<nazar_point_batch>.size), Int(b.point_size) >= minimumPoint,
          b.count <= 16_777_216 else {
        ctx.warnLimited("publish refused: malformed batch (struct_size \(b.struct_size), point_size \(b.point_size), count \(b.count))", event: "publish_refused")
        return Int32(NAZAR_ERROR)
    }
    if b.count == 0 { return Int32(NAZAR_OK) }
    guard let first = b.points else { return Int32(NAZAR_ERROR) }
    let base = UnsafeRawPointer(first)
    let stride = Int(b.point_size)
    let n = Int(b.count)
    let registry = ctx.bus.registry
    let limit = registry.idLimit
    // One allocation per batch, none per point.
    let converted = UnsafeMutableBufferPointer<BusPoint>.allocate(capacity: n)
    defer { converted.deallocate() }
    for i in 0..<n {
        let p = (base + i * stride).assumingMemoryBound(to: nazar_point.self)
        var series = p.pointee.series
        if series == 0 {
            do {
                series = try registry.intern(name: p.pointee.name, labels: p.pointee.labels, count: p.pointee.label_count)
            } catch {
                ctx.warnLimited("publish refused: point \(i): \(error)", event: "publish_refused")
                return Int32(NAZAR_ERROR)
            }
        } else if series >= limit, !registry.contains(series) {
            ctx.warnLimited("publish refused: point \(i) has unknown series id \(series)", event: "publish_refused")
            return Int32(NAZAR_ERROR)
        }
        converted[i] = BusPoint(series: series, timestamp: p.pointee.timestamp_ns, value: p.pointee.value)
    }
    ctx.stats.pointsPublished.add(UInt64(n), ordering: .relaxed)
    let dropped = ctx.bus.publish(UnsafeBufferPointer(converted))
    if dropped > 0 {
        ctx.stats.publishDropped.add(UInt64(dropped), ordering: .relaxed)
        return Int32(NAZAR_DROPPED)
    }
    return Int32(NAZAR_OK)
}

private func hostAlert(_ handle: OpaquePointer?, _ alert: UnsafePointer<nazar_alert>?, firing: Bool) -> Int32 {
    guard let ctx = InstanceContext.from(handle) else { return Int32(NAZAR_ERROR) }
    guard ctx.accepting.load(ordering: .relaxed) else { return Int32(NAZAR_STOPPED) }
    guard let alert else { return Int32(NAZAR_ERROR) }
    let a = alert.pointee
    guard a.struct_size >= UInt32(MemoryLayout<nazar_alert>.offset(of: \nazar_alert.timestamp_ns).map { $0 + 8 } ?? 64),
          let rulePtr = a.rule, let rule = String(validatingCString: rulePtr), AlertRuleName.isValid(rule) else {
        ctx.warnLimited("alert refused: missing or invalid rule name (allowed: [a-zA-Z0-9_.-]+)", event: "alert_refused")
        return Int32(NAZAR_ERROR)
    }
    var severity = AlertEvent.Severity(rawValue: a.severity) ?? .warning
    if AlertEvent.Severity(rawValue: a.severity) == nil && firing {
        ctx.warnLimited("alert \(rule): unknown severity \(a.severity), using warning", event: "alert_refused")
        severity = .warning
    }
    var labels: [(String, String)] = []
    if let l = a.labels {
        for i in 0..<Int(min(a.label_count, 64)) {
            guard let k = l[i].key, let v = l[i].value else { continue }
            labels.append((String(cString: k), String(cString: v)))
        }
    }
    if !labels.contains(where: { $0.0 == "host" }) { labels.append(("host", String(cString: ctx.hostnameC))) }
    labels.sort { $0.0 < $1.0 }
    let now = wallClockNanoseconds()
    let event = AlertEvent(
        rule: rule, severity: severity, state: firing ? .firing : .resolved, labels: labels,
        summary: a.summary.map { String(cString: $0) } ?? "", value: a.value, score: a.score,
        timestamp: a.timestamp_ns == 0 ? now : a.timestamp_ns, startsAt: 0, source: ctx.name)
    guard let published = firing ? ctx.alertBook.raise(event) : ctx.alertBook.resolve(event) else {
        return Int32(NAZAR_OK)  // already in that state: idempotent
    }
    ctx.stats.alertsRaised.add(1, ordering: .relaxed)
    ctx.logger.log(level: firing ? .warning : .notice,
                   "alert \(published.state) \(published.rule): \(published.summary)",
                   metadata: ["nazar_event": "\(firing ? "alert_raised" : "alert_resolved")",
                              "nazar_alert": "\(rule)", "nazar_severity": "\(published.severity)"])
    ctx.bus.publish(alert: published)
    return Int32(NAZAR_OK)
}

/// Rule names are a topic word: no dots, no wildcards.
enum AlertRuleName {
    static func isValid(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 200 && s.utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)
        }
    }
}
