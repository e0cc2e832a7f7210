/// The fields of /proc/meminfo the collector reports, in bytes.
struct MemInfo: Equatable {
    var total: UInt64 = 0
    var free: UInt64 = 0
    /// Nil on kernels before 3.14, which lack MemAvailable.
    var available: UInt64?
    var buffers: UInt64 = 0
    var cached: UInt64 = 0
    var swapTotal: UInt64 = 0
    var swapFree: UInt64 = 0

    /// Parses /proc/meminfo ("MemTotal:       24684100 kB" per line). Nil when
    /// MemTotal is missing, which means the text is not meminfo at all.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> MemInfo? {
        var m = MemInfo()
        var sawTotal = false
        var s = ByteScanner(bytes)
        while !s.atEnd {
            let key = s.word(upTo: UInt8(ascii: ":"))
            _ = s.skip(UInt8(ascii: ":"))
            if let value = s.uint64() {
                // Every value but the HugePages_* counts is in kB (really KiB).
                let unit = s.word()
                let bytes = s.equals(unit, "kB") ? value &* 1024 : value
                if s.equals(key, "MemTotal") { m.total = bytes; sawTotal = true }
                else if s.equals(key, "MemFree") { m.free = bytes }
                else if s.equals(key, "MemAvailable") { m.available = bytes }
                else if s.equals(key, "Buffers") { m.buffers = bytes }
                else if s.equals(key, "Cached") { m.cached = bytes }
                else if s.equals(key, "SwapTotal") { m.swapTotal = bytes }
                else if s.equals(key, "SwapFree") { m.swapFree = bytes }
            }
            s.nextLine()
        }
        return sawTotal ? m : nil
    }

    /// Memory a new workload could use without swapping. Before MemAvailable existed,
    /// free + buffers + cache was the usual estimate.
    var availableBytes: UInt64 { min(available ?? (free &+ buffers &+ cached), total) }
    var usedBytes: UInt64 { total - availableBytes }
    var usedPercent: Double { total == 0 ? 0 : Double(usedBytes) / Double(total) * 100 }
    var swapUsedBytes: UInt64 { swapTotal > swapFree ? swapTotal - swapFree : 0 }
    /// 0, not NaN, without swap: "no swap in use" is what a dashboard should show.
    var swapUsedPercent: Double { swapTotal == 0 ? 0 : Double(swapUsedBytes) / Double(swapTotal) * 100 }

    func append(to scalars: inout Scalars, _ out: inout RoundOutput) {
        scalars.append(.memTotal, Double(total), to: &out)
        scalars.append(.memAvailable, Double(availableBytes), to: &out)
        scalars.append(.memUsed, Double(usedBytes), to: &out)
        scalars.append(.memUsedPercent, usedPercent, to: &out)
        scalars.append(.memCached, Double(cached), to: &out)
        scalars.append(.memBuffers, Double(buffers), to: &out)
        scalars.append(.swapTotal, Double(swapTotal), to: &out)
        scalars.append(.swapUsed, Double(swapUsedBytes), to: &out)
        scalars.append(.swapUsedPercent, swapUsedPercent, to: &out)
    }
}
