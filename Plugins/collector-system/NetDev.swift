/// The counters of one network interface from /proc/net/dev.
struct NetDevStat: Equatable {
    var interface: String
    var rxBytes: UInt64
    var rxPackets: UInt64
    var rxErrors: UInt64
    var rxDrops: UInt64
    var txBytes: UInt64
    var txPackets: UInt64
    var txErrors: UInt64
    var txDrops: UInt64

    /// Parses /proc/net/dev into `stats`, reusing its storage. The two header lines
    /// have no ':' before their fields and are skipped like any malformed line.
    /// Interface names cannot contain ':' (the kernel forbids it), and old kernels
    /// print large counters right after the colon ("eth0:123456"), so the name ends
    /// at the first ':'.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, into stats: inout [NetDevStat]) {
        stats.removeAll(keepingCapacity: true)
        var s = ByteScanner(bytes)
        while !s.atEnd {
            defer { s.nextLine() }
            let name = s.word(upTo: UInt8(ascii: ":"))
            guard !name.isEmpty, s.skip(UInt8(ascii: ":")),
                  let rxBytes = s.uint64(), let rxPackets = s.uint64(), let rxErrors = s.uint64(),
                  let rxDrops = s.uint64()
            else { continue }
            s.skipWords(4)  // fifo frame compressed multicast
            guard let txBytes = s.uint64(), let txPackets = s.uint64(), let txErrors = s.uint64(),
                  let txDrops = s.uint64()
            else { continue }
            stats.append(NetDevStat(
                interface: s.string(name), rxBytes: rxBytes, rxPackets: rxPackets, rxErrors: rxErrors,
                rxDrops: rxDrops, txBytes: txBytes, txPackets: txPackets, txErrors: txErrors, txDrops: txDrops))
        }
    }
}

/// The net.* metrics: per-interface rates.
struct NetDevSource {
    enum Metric: Int, MetricFamily {
        case rxBytes, txBytes, rxPackets, txPackets, rxErrors, txErrors, rxDrops, txDrops
        var name: String {
            switch self {
            case .rxBytes: "net.rx_bytes"
            case .txBytes: "net.tx_bytes"
            case .rxPackets: "net.rx_packets"
            case .txPackets: "net.tx_packets"
            case .rxErrors: "net.rx_errors"
            case .txErrors: "net.tx_errors"
            case .rxDrops: "net.rx_drops"
            case .txDrops: "net.tx_drops"
            }
        }
    }

    private struct Key: Hashable {
        var interface: String
        var metric: Metric
    }

    let includeLoopback: Bool
    private var series = SeriesCache<String, Metric>()
    private var rates = CounterRate<Key>()
    private var stats: [NetDevStat] = []

    init(includeLoopback: Bool) { self.includeLoopback = includeLoopback }

    mutating func collect(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout RoundOutput) {
        NetDevStat.parse(bytes, into: &stats)
        for n in stats where includeLoopback || n.interface != "lo" {
            let labels = { [("interface", n.interface)] }
            func emit(_ metric: Metric, _ counter: UInt64, _ out: inout RoundOutput) {
                if let r = rates.rate(Key(interface: n.interface, metric: metric), value: counter, now: out.now) {
                    series.append(n.interface, metric, r, labels: labels, to: &out)
                }
            }
            emit(.rxBytes, n.rxBytes, &out)
            emit(.txBytes, n.txBytes, &out)
            emit(.rxPackets, n.rxPackets, &out)
            emit(.txPackets, n.txPackets, &out)
            emit(.rxErrors, n.rxErrors, &out)
            emit(.txErrors, n.txErrors, &out)
            emit(.rxDrops, n.rxDrops, &out)
            emit(.txDrops, n.txDrops, &out)
        }
        rates.forgetUnseen()
        series.endRound()
    }
}
