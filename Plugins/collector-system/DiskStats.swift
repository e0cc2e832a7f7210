/// The counters of one block device from /proc/diskstats.
struct DiskStat: Equatable {
    var name: String
    var reads: UInt64
    var sectorsRead: UInt64
    var writes: UInt64
    var sectorsWritten: UInt64
    /// Milliseconds the device had I/O in flight.
    var ioTicks: UInt64

    /// Parses /proc/diskstats ("major minor name reads merged sectors ms writes ...")
    /// into `stats`, reusing its storage. Lines with fewer than the 11 classic
    /// counters are skipped.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, into stats: inout [DiskStat]) {
        stats.removeAll(keepingCapacity: true)
        var s = ByteScanner(bytes)
        while !s.atEnd {
            defer { s.nextLine() }
            guard s.uint64() != nil, s.uint64() != nil else { continue }
            let name = s.word()
            guard !name.isEmpty,
                  let reads = s.uint64(), s.uint64() != nil, let sectorsRead = s.uint64(), s.uint64() != nil,
                  let writes = s.uint64(), s.uint64() != nil, let sectorsWritten = s.uint64(), s.uint64() != nil,
                  s.uint64() != nil, let ioTicks = s.uint64(), s.uint64() != nil
            else { continue }
            stats.append(DiskStat(name: s.string(name), reads: reads, sectorsRead: sectorsRead,
                                  writes: writes, sectorsWritten: sectorsWritten, ioTicks: ioTicks))
        }
    }

    /// The devices worth reporting: no loop or RAM disks (their I/O is someone else's,
    /// or not disk I/O at all), and no partitions whose whole disk is in the list,
    /// since the disk's counters already include them.
    static func select(_ stats: [DiskStat], includePartitions: Bool, into selected: inout [DiskStat]) {
        selected.removeAll(keepingCapacity: true)
        for d in stats {
            if d.name.hasPrefix("loop") || d.name.hasPrefix("ram") { continue }
            if !includePartitions, let parent = partitionParent(d.name),
               stats.contains(where: { $0.name == parent }) { continue }
            selected.append(d)
        }
    }

    /// The whole-disk name a partition name would belong to: "sda1" → "sda",
    /// "nvme0n1p2" → "nvme0n1", "mmcblk0p1" → "mmcblk0"; nil if the name does not end
    /// in digits. Whether it *is* a partition depends on that disk being present:
    /// "md0" → "md" names no disk, so md0 is kept.
    static func partitionParent(_ name: String) -> String? {
        var name = name
        return name.withUTF8 { utf8 -> String? in
            var end = utf8.count
            while end > 0, utf8[end - 1] >= 0x30, utf8[end - 1] <= 0x39 { end -= 1 }
            guard end > 0, end < utf8.count else { return nil }
            // Disks whose names end in a digit separate the partition number with 'p'.
            if end >= 2, utf8[end - 1] == UInt8(ascii: "p"), utf8[end - 2] >= 0x30, utf8[end - 2] <= 0x39 {
                end -= 1
            }
            return String(decoding: UnsafeBufferPointer(rebasing: utf8[0..<end]), as: UTF8.self)
        }
    }
}

/// The diskio.* metrics: throughput, operations and utilisation per block device.
struct DiskStatsSource {
    enum Metric: Int, MetricFamily {
        case readBytes, writeBytes, reads, writes, busyPercent
        var name: String {
            switch self {
            case .readBytes: "diskio.read_bytes"
            case .writeBytes: "diskio.write_bytes"
            case .reads: "diskio.reads"
            case .writes: "diskio.writes"
            case .busyPercent: "diskio.busy_percent"
            }
        }
    }

    private struct Key: Hashable {
        var device: String
        var metric: Metric
    }

    let includePartitions: Bool
    private var series = SeriesCache<String, Metric>()
    private var rates = CounterRate<Key>()
    private var all: [DiskStat] = []
    private var selected: [DiskStat] = []

    init(includePartitions: Bool) { self.includePartitions = includePartitions }

    mutating func collect(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout RoundOutput) {
        DiskStat.parse(bytes, into: &all)
        DiskStat.select(all, includePartitions: includePartitions, into: &selected)
        for d in selected {
            let labels = { [("device", d.name)] }
            // /proc/diskstats counts 512-byte sectors whatever the device's sector size.
            if let r = rates.rate(Key(device: d.name, metric: .readBytes), value: d.sectorsRead, now: out.now) {
                series.append(d.name, .readBytes, r * 512, labels: labels, to: &out)
            }
            if let r = rates.rate(Key(device: d.name, metric: .writeBytes), value: d.sectorsWritten, now: out.now) {
                series.append(d.name, .writeBytes, r * 512, labels: labels, to: &out)
            }
            if let r = rates.rate(Key(device: d.name, metric: .reads), value: d.reads, now: out.now) {
                series.append(d.name, .reads, r, labels: labels, to: &out)
            }
            if let r = rates.rate(Key(device: d.name, metric: .writes), value: d.writes, now: out.now) {
                series.append(d.name, .writes, r, labels: labels, to: &out)
            }
            // io_ticks advances in ms per second of wall time, so ms/s ÷ 10 is percent.
            // Clamped: the sample times are scheduled times, not read times, so a late
            // round can see slightly more than the interval's worth of ticks.
            if let r = rates.rate(Key(device: d.name, metric: .busyPercent), value: d.ioTicks, now: out.now) {
                series.append(d.name, .busyPercent, min(max(r / 10, 0), 100), labels: labels, to: &out)
            }
        }
        rates.forgetUnseen()
        series.endRound()
    }
}
