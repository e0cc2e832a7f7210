#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One line of /proc/self/mounts.
struct MountEntry: Hashable {
    var device: String
    var mountPoint: String
    var fsType: String
}

/// Parsing and filtering of the mount table (/proc/self/mounts, the fstab format).
enum MountTable {
    /// Parses the mount table. Fields escape space, tab, newline and backslash as
    /// octal (`\040`, `\011`, `\012`, `\134`), so "/mnt/My Disk" arrives as
    /// "/mnt/My\040Disk".
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> [MountEntry] {
        var entries: [MountEntry] = []
        var s = ByteScanner(bytes)
        while !s.atEnd {
            let device = s.word()
            let mountPoint = s.word()
            let fsType = s.word()
            if !device.isEmpty, !mountPoint.isEmpty, !fsType.isEmpty {
                entries.append(MountEntry(device: unescape(s, device),
                                          mountPoint: unescape(s, mountPoint),
                                          fsType: unescape(s, fsType)))
            }
            s.nextLine()
        }
        return entries
    }

    private static func unescape(_ s: ByteScanner, _ range: Range<Int>) -> String {
        let b = s.bytes
        guard b[range].contains(UInt8(ascii: "\\")) else { return s.string(range) }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            if b[i] == UInt8(ascii: "\\"), i + 3 < range.upperBound,
               let v = octal(b[i + 1], b[i + 2], b[i + 3]) {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8? {
        func digit(_ x: UInt8) -> UInt32? { x >= 0x30 && x <= 0x37 ? UInt32(x - 0x30) : nil }
        guard let a = digit(a), let b = digit(b), let c = digit(c) else { return nil }
        let v = a * 64 + b * 8 + c
        return v <= 255 ? UInt8(v) : nil
    }

    /// Filesystems that hold no user data (kernel interfaces, cgroup trees), or whose
    /// "usage" is meaningless (squashfs and ISO images are always 100% full).
    /// Any `cgroup*` type is also skipped; tmpfs and devtmpfs only unless asked for.
    static let pseudoFilesystems: Set<String> = [
        "proc", "sysfs", "devpts", "mqueue", "debugfs", "tracefs", "securityfs", "pstore",
        "bpf", "configfs", "fusectl", "hugetlbfs", "autofs", "binfmt_misc", "rpc_pipefs",
        "nsfs", "efivarfs", "selinuxfs", "smackfs", "ramfs", "devfs", "squashfs", "iso9660",
        "udf", "nfsd", "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "fuse.snapfuse",
        "none",
    ]

    /// The mounts to report on, in table order.
    ///
    /// - skips pseudo filesystems (see `pseudoFilesystems`), tmpfs/devtmpfs unless
    ///   `includeTmpfs`;
    /// - skips mount points matching `exclude` (see `MountPattern`);
    /// - the same mount point mounted twice: the later mount hides the earlier, so the
    ///   later entry replaces it (statvfs sees the top one);
    /// - the same block device (a device that is a path, e.g. /dev/sda2) at several
    ///   mount points (bind mounts, btrfs subvolumes) is reported once, at its first
    ///   mount point: every one of them would report the same space. Devices that are
    ///   not paths ("tmpfs", "overlay") name a filesystem type, not a device, so each
    ///   of those mounts is its own filesystem.
    static func select(_ entries: [MountEntry], includeTmpfs: Bool, exclude: [MountPattern]) -> [MountEntry] {
        var selected: [MountEntry] = []
        var indexOfMountPoint: [String: Int] = [:]
        var seenDevices: Set<String> = []
        for e in entries {
            if pseudoFilesystems.contains(e.fsType) || e.fsType.hasPrefix("cgroup") { continue }
            if !includeTmpfs, e.fsType == "tmpfs" || e.fsType == "devtmpfs" { continue }
            if exclude.contains(where: { $0.matches(e.mountPoint) }) { continue }
            if let i = indexOfMountPoint[e.mountPoint] {
                selected[i] = e
                continue
            }
            if e.device.hasPrefix("/") {
                if seenDevices.contains(e.device) { continue }
                seenDevices.insert(e.device)
            }
            indexOfMountPoint[e.mountPoint] = selected.count
            selected.append(e)
        }
        return selected
    }
}

/// One entry of `mounts_exclude`.
///
/// A pattern with a glob character (`*`, `?`, `[`) is matched against the whole mount
/// point with fnmatch(3) without FNM_PATHNAME, so `*` also matches `/`: "/run/*"
/// excludes "/run/user/1000" (but not "/run" itself). A pattern without one is a
/// path prefix: "/mnt/backup" excludes "/mnt/backup" and "/mnt/backup/x" but not
/// "/mnt/backups".
struct MountPattern: Equatable {
    let pattern: String
    let isGlob: Bool

    init(_ pattern: String) {
        self.pattern = pattern
        isGlob = pattern.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    func matches(_ mountPoint: String) -> Bool {
        if isGlob { return fnmatch(pattern, mountPoint, 0) == 0 }
        let prefix = pattern.hasSuffix("/") && pattern.count > 1 ? String(pattern.dropLast()) : pattern
        if mountPoint == prefix { return true }
        return mountPoint.hasPrefix(prefix == "/" ? "/" : prefix + "/")
    }
}
