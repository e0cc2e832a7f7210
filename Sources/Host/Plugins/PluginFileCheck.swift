#if canImport(Glibc)
import Glibc
#endif

/// Checks a plugin file before anything in it runs: it is a regular ELF shared object,
/// and (in strict mode, sshd StrictModes style) neither it nor its directory can be
/// written by anyone but root or the daemon's own user.
enum PluginFileCheck {
    struct Identity: Equatable, Hashable {
        var device: UInt64
        var inode: UInt64
        var modified: Int64
        var size: Int64
    }

    static func check(path: String, strict: Bool) throws(PluginLoadError) -> Identity {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw PluginLoadError(path: path, reason: .notFound(searched: [path]))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw PluginLoadError(path: path, reason: .notRegularFile)
        }
        if strict {
            try checkOwnership(of: path, st)
            let dir = directory(of: path)
            var dst = stat()
            if stat(dir, &dst) == 0 {
                try checkOwnership(of: dir, dst)
            }
        }
        try checkELF(path: path)
        return Identity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino),
                        modified: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                        size: Int64(st.st_size))
    }

    private static func checkOwnership(of path: String, _ st: stat) throws(PluginLoadError) {
        let me = UInt32(geteuid())
        let allowed: [UInt32] = me == 0 ? [0] : [0, me]
        guard allowed.contains(UInt32(st.st_uid)) else {
            throw PluginLoadError(path: path, reason: .badOwner(uid: UInt32(st.st_uid), allowed: allowed))
        }
        // A sticky world-writable directory (like /tmp) still lets others replace files
        // they own only, but plugin directories have no business being shared that way.
        guard st.st_mode & (S_IWGRP | S_IWOTH) == 0 else {
            throw PluginLoadError(path: path, reason: .writableByOthers(path: path, mode: UInt32(st.st_mode)))
        }
    }

    /// Reads the ELF header: the magic, then e_type (offset 16) must be ET_DYN.
    private static func checkELF(path: String) throws(PluginLoadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw PluginLoadError(path: path, reason: .notSharedObject("cannot open: \(String(cString: strerror(errno)))"))
        }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 18)
        let n = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, 18) }
        guard n == 18, header[0] == 0x7F, header[1] == 0x45, header[2] == 0x4C, header[3] == 0x46 else {
            throw PluginLoadError(path: path, reason: .notSharedObject("no ELF header"))
        }
        // e_type is little-endian on the ELF files this host can load (EI_DATA checked by dlopen).
        let type = UInt16(header[16]) | UInt16(header[17]) << 8
        guard type == 3 else {
            throw PluginLoadError(path: path, reason: .notSharedObject("ELF type \(type), expected a shared object (ET_DYN)"))
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
