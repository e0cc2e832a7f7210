import PluginAPI

/// The `nazar_host_api` a plugin gets inside `nazar-plugin-host`: clocks and the strings
/// from create are answered here; log is sent one-way; series_register, publish and
/// alert_raise/resolve are requests nazard answers with exactly what its own table
/// returned. Callable from any plugin thread.
enum PluginHostAPI {
    /// Set once by `PluginHostServer.main` before any plugin code runs.
    nonisolated(unsafe) static var session: PluginHostSession?

    /// Never freed: plugins may keep the pointer.
    nonisolated(unsafe) static let table: UnsafeMutablePointer<nazar_host_api> = {
        let t = UnsafeMutablePointer<nazar_host_api>.allocate(capacity: 1)
        t.initialize(to: nazar_host_api(
            struct_size: UInt32(MemoryLayout<nazar_host_api>.size),
            abi_version: UInt32(NAZAR_ABI_VERSION),
            log: childLog,
            now_ns: { _ in wallClockNanoseconds() },
            monotonic_ns: { _ in monotonicNanoseconds() },
            series_register: childSeriesRegister,
            publish: childPublish,
            alert_raise: { _, alert in childAlert(alert, type: .alertRaise) },
            alert_resolve: { _, alert in childAlert(alert, type: .alertResolve) },
            hostname: { _ in UnsafePointer(PluginHostAPI.session?.hostname) },
            state_directory: { _ in UnsafePointer(PluginHostAPI.session?.stateDirectory) },
            config_path: { _ in UnsafePointer(PluginHostAPI.session?.configPath) }))
        return t
    }()
}

private let childLog: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<nazar_label>?, UInt32) -> Void = {
    _, level, message, fields, count in
    guard let link = PluginHostAPI.session?.link else { return }
    link.send(.log) { w in
        w.put(level)
        w.put(cString: message)
        w.put(labels: fields, count: Int(min(count, 64)))
    }
}

private let childSeriesRegister: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<nazar_label>?, UInt32) -> UInt64 = {
    _, name, labels, count in
    guard let link = PluginHostAPI.session?.link, let name else { return 0 }
    let id = link.request(.seriesRegister, whenGone: 0) { w in
        w.put(cString: name)
        w.put(labels: labels, count: Int(min(count, 1024)))
    }
    return UInt64(bitPattern: id)
}

/// Forwards the batch in messages of at most `pointsPerMessage` points (fewer when they
/// carry names and labels: a message stays under half `maximumMessage`); answers the
/// first code other than NAZAR_OK. Structural checks are nazard's (it refuses a
/// malformed batch exactly as in-process); only what this side must read is checked here.
private let childPublish: @convention(c) (OpaquePointer?, UnsafePointer<nazar_point_batch>?) -> Int32 = { _, batch in
    guard let link = PluginHostAPI.session?.link else { return Int32(NAZAR_STOPPED) }
    guard let batch else { return Int32(NAZAR_ERROR) }
    let b = batch.pointee
    let minimumPoint = MemoryLayout<nazar_point>.offset(of: \nazar_point.value).map { $0 + 8 } ?? 48
    guard b.struct_size >= UInt32(MemoryLayout<nazar_point_batch>.size), Int(b.point_size) >= minimumPoint,
          b.count <= 16_777_216 else { return Int32(NAZAR_ERROR) }
    guard b.count > 0 else { return Int32(NAZAR_OK) }
    guard let first = b.points else { return Int32(NAZAR_ERROR) }
    let base = UnsafeRawPointer(first), stride = Int(b.point_size), total = Int(b.count)
    var result = Int32(NAZAR_OK)
    var done = 0
    // A message ends at `pointsPerMessage` points or at half the largest message, whichever
    // comes first: points carrying name and labels vary in size.
    let budget = PluginHostWire.maximumMessage / 2
    while done < total {
        let start = done
        var sent = 0
        let rc = Int32(truncatingIfNeeded: link.request(.publish, whenGone: Int64(NAZAR_STOPPED)) { w in
            let countAt = w.count
            w.put(UInt32(0))
            var i = start
            while i < total && i - start < PluginHostWire.pointsPerMessage && w.count < budget {
                let p = (base + i * stride).assumingMemoryBound(to: nazar_point.self)
                w.put(p.pointee.series)
                w.put(p.pointee.timestamp_ns)
                w.put(p.pointee.value)
                if p.pointee.series == 0 {
                    w.put(cString: p.pointee.name)
                    w.put(labels: p.pointee.labels, count: Int(min(p.pointee.label_count, 1024)))
                }
                i += 1
            }
            sent = i - start
            w.patch(UInt32(sent), at: countAt)
        })
        if rc != NAZAR_OK && result == NAZAR_OK { result = rc }
        if rc == NAZAR_ERROR || rc == NAZAR_STOPPED { return rc }
        done += max(sent, 1)
    }
    return result
}

private func childAlert(_ alert: UnsafePointer<nazar_alert>?, type: PluginHostWire.MessageType) -> Int32 {
    guard let link = PluginHostAPI.session?.link else { return Int32(NAZAR_STOPPED) }
    guard let alert, alert.pointee.struct_size >= UInt32(MemoryLayout<nazar_alert>.offset(of: \nazar_alert.timestamp_ns).map { $0 + 8 } ?? 64) else {
        return Int32(NAZAR_ERROR)
    }
    return Int32(truncatingIfNeeded: link.request(type, whenGone: Int64(NAZAR_STOPPED)) { $0.put(alert: alert) })
}
