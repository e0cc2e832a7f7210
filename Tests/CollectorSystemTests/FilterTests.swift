@testable import CollectorSystem
import Testing

@Suite("Mounts and devices")
struct FilterTests {
    static let mounts = """
        proc /proc proc rw,relatime 0 0
        sysfs /sys sysfs rw,relatime 0 0
        devtmpfs /dev devtmpfs rw,relatime,size=12334556k 0 0
        tmpfs /dev/shm tmpfs rw,relatime 0 0
        /dev/vda / ext4 rw,relatime,discard 0 0
        tmpfs /run tmpfs rw,nosuid 0 0
        tmpfs /run/user/1000 tmpfs rw 0 0
        tmpfs /tmp tmpfs rw 0 0
        cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
        cgroup /cg/cpu cgroup rw,cpu 0 0
        /dev/sda1 /boot/efi vfat rw 0 0
        /dev/vdb1 /srv/data xfs rw 0 0
        /dev/vdb1 /srv/data-bind xfs rw 0 0
        overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0
        /dev/loop3 /snap/core/123 squashfs ro 0 0
        systemd-1 /proc/sys/fs/binfmt_misc autofs rw 0 0
        /dev/mapper/vg-home /home/My\\040Files ext4 rw 0 0
        server:/export /mnt/nfs nfs4 rw 0 0
        /dev/sdc1 /mnt/backup ext4 rw 0 0
        /dev/sdd1 /mnt/backups ext4 rw 0 0
        /dev/sde1 /srv/data xfs rw 0 0

        """

    let defaultExclude = ["/proc*", "/sys*", "/dev*", "/run/*"].map(MountPattern.init)

    @Test func parsesAndUnescapes() {
        let entries = withBytes(of: Self.mounts, MountTable.parse)
        #expect(entries.count == 21)
        #expect(entries[4] == MountEntry(device: "/dev/vda", mountPoint: "/", fsType: "ext4"))
        #expect(entries[16].mountPoint == "/home/My Files")
        let odd = withBytes(of: "a\\134b /x\\011y\\012z ext4 rw 0 0\nbroken-line\n", MountTable.parse)
        #expect(odd == [MountEntry(device: "a\\b", mountPoint: "/x\ty\nz", fsType: "ext4")])
    }

    @Test func selectsRealFilesystems() {
        let entries = withBytes(of: Self.mounts, MountTable.parse)
        let selected = MountTable.select(entries, includeTmpfs: false, exclude: defaultExclude)
        #expect(selected.map(\.mountPoint) == [
            "/", "/boot/efi", "/srv/data", "/var/lib/docker/overlay2/abc/merged",
            "/home/My Files", "/mnt/nfs", "/mnt/backup", "/mnt/backups",
        ])
        // /srv/data was mounted over: the later mount (sde1) is the one statvfs sees.
        #expect(selected[2].device == "/dev/sde1")
        // The bind mount of vdb1 was a duplicate of the same device.
        #expect(!selected.contains { $0.mountPoint == "/srv/data-bind" })
    }

    @Test func tmpfsOnRequestAndExcludes() {
        let entries = withBytes(of: Self.mounts, MountTable.parse)
        let withTmpfs = MountTable.select(entries, includeTmpfs: true, exclude: defaultExclude)
        // /dev/shm (excluded by /dev*) and /run/user/1000 (by /run/*) stay out, /run itself
        // and /tmp come in.
        let firstThree = Array(withTmpfs.map(\.mountPoint).filter { $0 != "/" }.prefix(3))
        #expect(firstThree == ["/run", "/tmp", "/boot/efi"])
        let custom = MountTable.select(entries, includeTmpfs: false,
                                       exclude: ["/mnt/backup", "/var/lib/docker/*"].map(MountPattern.init))
        #expect(custom.map(\.mountPoint) == ["/", "/boot/efi", "/srv/data", "/home/My Files", "/mnt/nfs", "/mnt/backups"])
    }

    @Test(arguments: [
        ("/run/*", "/run/user/1000", true), ("/run/*", "/run", false),
        ("/proc*", "/proc/sys/fs/binfmt_misc", true), ("/proc*", "/processing", true),
        ("/mnt/backup", "/mnt/backup", true), ("/mnt/backup", "/mnt/backup/x", true),
        ("/mnt/backup", "/mnt/backups", false), ("/mnt/backup/", "/mnt/backup", true),
        ("/", "/anything", true), ("/mnt/disk?", "/mnt/disk1", true), ("/mnt/disk[0-3]", "/mnt/disk7", false),
    ])
    func mountPatterns(pattern: String, mountPoint: String, matches: Bool) {
        #expect(MountPattern(pattern).matches(mountPoint) == matches)
    }

    @Test func filesystemUsage() throws {
        // 1000 blocks of 4 KiB, 300 free of which 250 available to users; 100 inodes, 40 free.
        let u = FilesystemUsage(blockSize: 4096, blocks: 1000, blocksFree: 300, blocksAvailable: 250,
                                files: 100, filesFree: 40)
        #expect(u.total == 4_096_000)
        #expect(u.used == 700 * 4096)
        #expect(u.free == 250 * 4096)
        #expect(abs(u.usedPercent - 700.0 / 950.0 * 100) < 1e-9)
        #expect(u.inodesUsedPercent == 60)
        let btrfs = FilesystemUsage(blockSize: 4096, blocks: 10, blocksFree: 10, blocksAvailable: 10, files: 0, filesFree: 0)
        #expect(btrfs.inodesUsedPercent == nil)
        #expect(btrfs.usedPercent == 0)
    }

    @Test func realRootHasUsage() throws {
        guard case let .usage(u) = FilesystemUsage.probe("/") else {
            Issue.record("statvfs(/) failed")
            return
        }
        #expect(u.total > 0 && u.used <= u.total)
        guard case .failed = FilesystemUsage.probe("/nonexistent/nazar") else {
            Issue.record("statvfs of a missing path did not fail")
            return
        }
    }

    static let disks = """
           7       0 loop0 1 0 1 0 0 0 0 0 0 1 0
           1       0 ram0 1 0 1 0 0 0 0 0 0 1 0
           8       0 sda 1 0 1 0 0 0 0 0 0 1 0
           8       1 sda1 1 0 1 0 0 0 0 0 0 1 0
           8       2 sda2 1 0 1 0 0 0 0 0 0 1 0
         259       0 nvme0n1 1 0 1 0 0 0 0 0 0 1 0
         259       1 nvme0n1p1 1 0 1 0 0 0 0 0 0 1 0
         179       0 mmcblk0 1 0 1 0 0 0 0 0 0 1 0
         179       1 mmcblk0p1 1 0 1 0 0 0 0 0 0 1 0
           9       0 md0 1 0 1 0 0 0 0 0 0 1 0
         253       0 dm-0 1 0 1 0 0 0 0 0 0 1 0
         252       0 zram0 1 0 1 0 0 0 0 0 0 1 0
           8      17 sdb1 1 0 1 0 0 0 0 0 0 1 0
          11       0 sr0 1 0 1 0 0 0 0 0 0 1 0

        """

    @Test func diskSelection() {
        var all: [DiskStat] = []
        var selected: [DiskStat] = []
        withBytes(of: Self.disks) { DiskStat.parse($0, into: &all) }
        DiskStat.select(all, includePartitions: false, into: &selected)
        // sdb1's disk is not listed (e.g. hidden in a container), so it is kept.
        #expect(selected.map(\.name) == ["sda", "nvme0n1", "mmcblk0", "md0", "dm-0", "zram0", "sdb1", "sr0"])
        DiskStat.select(all, includePartitions: true, into: &selected)
        #expect(selected.map(\.name) == ["sda", "sda1", "sda2", "nvme0n1", "nvme0n1p1", "mmcblk0", "mmcblk0p1",
                                         "md0", "dm-0", "zram0", "sdb1", "sr0"])
    }

    @Test(arguments: [
        ("sda1", "sda"), ("sda12", "sda"), ("nvme0n1p2", "nvme0n1"), ("mmcblk0p1", "mmcblk0"),
        ("nvme0n1", "nvme0n"), ("vda", nil), ("1", nil), ("dm-0", "dm-"),
    ] as [(String, String?)])
    func partitionParent(name: String, parent: String?) {
        #expect(DiskStat.partitionParent(name) == parent)
    }
}
