/// The machine-wide metrics that carry no label of their own (the host adds `host`).
enum ScalarMetric: Int, MetricFamily {
    case contextSwitches, forks, procsRunning, procsBlocked
    case load1, load5, load15
    case memTotal, memAvailable, memUsed, memUsedPercent, memCached, memBuffers
    case swapTotal, swapUsed, swapUsedPercent
    case procsTotal, threadsTotal, filesOpen, filesMax

    var name: String {
        switch self {
        case .contextSwitches: "cpu.context_switches"
        case .forks: "cpu.forks"
        case .procsRunning: "procs.running"
        case .procsBlocked: "procs.blocked"
        case .load1: "load.1"
        case .load5: "load.5"
        case .load15: "load.15"
        case .memTotal: "mem.total"
        case .memAvailable: "mem.available"
        case .memUsed: "mem.used"
        case .memUsedPercent: "mem.used_percent"
        case .memCached: "mem.cached"
        case .memBuffers: "mem.buffers"
        case .swapTotal: "swap.total"
        case .swapUsed: "swap.used"
        case .swapUsedPercent: "swap.used_percent"
        case .procsTotal: "procs.total"
        case .threadsTotal: "threads.total"
        case .filesOpen: "files.open"
        case .filesMax: "files.max"
        }
    }
}

/// Series ids of the unlabelled metrics, and the counters among them that become rates.
struct Scalars {
    private var series = SeriesCache<Int, ScalarMetric>()
    private var rates = CounterRate<ScalarMetric>()

    mutating func append(_ metric: ScalarMetric, _ value: Double, to out: inout RoundOutput) {
        series.append(0, metric, value, labels: { [] }, to: &out)
    }

    /// Appends the per-second rate of a cumulative counter (from its second sample on).
    mutating func appendRate(_ metric: ScalarMetric, counter: UInt64, to out: inout RoundOutput) {
        if let r = rates.rate(metric, value: counter, now: out.now) {
            append(metric, r, to: &out)
        }
    }
}
