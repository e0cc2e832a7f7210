#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Space and inode usage of one filesystem, from the numbers statvfs(3) returns.
struct FilesystemUsage: Equatable {
    /// Size of the filesystem in bytes.
    var total: UInt64
    /// Bytes in use (total minus free, reserved blocks count as free here).
    var used: UInt64
    /// Bytes available to unprivileged users (excludes the root-reserved blocks).
    var free: UInt64
    /// used / (used + free): the share of the space ordinary users can have that is
    /// taken, as df(1) computes Use%. It reaches 100 when users can write no more,
    /// even though root still has its reserve.
    var usedPercent: Double
    /// Inodes in use, percent; nil for filesystems without a fixed inode table
    /// (btrfs, some network filesystems report 0 inodes).
    var inodesUsedPercent: Double?

    init(blockSize: UInt64, blocks: UInt64, blocksFree: UInt64, blocksAvailable: UInt64,
         files: UInt64, filesFree: UInt64) {
        let freeBlocks = min(blocksFree, blocks)
        let available = min(blocksAvailable, freeBlocks)
        total = blocks &* blockSize
        used = (blocks - freeBlocks) &* blockSize
        free = available &* blockSize
        let usable = Double(blocks - freeBlocks) + Double(available)
        usedPercent = usable == 0 ? 0 : Double(blocks - freeBlocks) / usable * 100
        inodesUsedPercent = files == 0 ? nil : Double(files - min(filesFree, files)) / Double(files) * 100
    }

    /// What statvfs says about one mount point.
    enum Probe {
        case usage(FilesystemUsage)
        /// Size 0: a pseudo filesystem not in `MountTable.pseudoFilesystems`.
        case empty
        case failed(errno: Int32)
    }

    /// Usage of the filesystem mounted at `path`.
    static func probe(_ path: String) -> Probe {
        var st = statvfs()
        guard path.withCString({ statvfs($0, &st) }) == 0 else { return .failed(errno: errno) }
        guard st.f_blocks > 0 else { return .empty }
        // f_frsize is the unit of f_blocks; some old filesystems leave it 0.
        let unit = st.f_frsize != 0 ? UInt64(st.f_frsize) : UInt64(st.f_bsize)
        return .usage(FilesystemUsage(
            blockSize: unit, blocks: UInt64(st.f_blocks), blocksFree: UInt64(st.f_bfree),
            blocksAvailable: UInt64(st.f_bavail), files: UInt64(st.f_files), filesFree: UInt64(st.f_ffree)))
    }
}

/// The disk.* metrics: space per mounted filesystem.
struct DiskSpaceSource {
    enum Metric: Int, MetricFamily {
        case total, used, free, usedPercent, inodesUsedPercent
        var name: String {
            switch self {
            case .total: "disk.total"
            case .used: "disk.used"
            case .free: "disk.free"
            case .usedPercent: "disk.used_percent"
            case .inodesUsedPercent: "disk.inodes_used_percent"
            }
        }
    }

    let includeTmpfs: Bool
    let exclude: [MountPattern]
    private var series = SeriesCache<MountEntry, Metric>()
    /// The mount table as last read, and what was selected from it: the table rarely
    /// changes, so it is parsed again only when its bytes differ.
    private var lastTable: [UInt8] = []
    private var selected: [MountEntry] = []
    /// Mount points whose statvfs failed last time, so the debug line is written once.
    private var failing: Set<String> = []

    init(includeTmpfs: Bool, exclude: [MountPattern]) {
        self.includeTmpfs = includeTmpfs
        self.exclude = exclude
    }

    /// `table` holds the mount table just read.
    mutating func collect(table: ProcFile, into out: inout RoundOutput) {
        if !table.contentsEqual(lastTable) {
            lastTable = table.copyBytes()
            selected = table.withBytes {
                MountTable.select(MountTable.parse($0), includeTmpfs: includeTmpfs, exclude: exclude)
            }
            failing.formIntersection(selected.map(\.mountPoint))
        }
        for m in selected {
            let u: FilesystemUsage
            switch FilesystemUsage.probe(m.mountPoint) {
            case let .usage(usage):
                u = usage
                failing.remove(m.mountPoint)
            case let .failed(code):
                // Unmounted since the table was read, or no permission: not worth
                // more than a debug line, once.
                if failing.insert(m.mountPoint).inserted {
                    out.host.log(.debug, "statvfs(\(m.mountPoint)) failed: \(errorText(code)); skipping it", [])
                }
                continue
            case .empty:
                continue
            }
            let labels = { [("mount", m.mountPoint), ("device", m.device), ("fstype", m.fsType)] }
            series.append(m, .total, Double(u.total), labels: labels, to: &out)
            series.append(m, .used, Double(u.used), labels: labels, to: &out)
            series.append(m, .free, Double(u.free), labels: labels, to: &out)
            series.append(m, .usedPercent, u.usedPercent, labels: labels, to: &out)
            if let inodes = u.inodesUsedPercent {
                series.append(m, .inodesUsedPercent, inodes, labels: labels, to: &out)
            }
        }
        series.endRound()
    }
}
