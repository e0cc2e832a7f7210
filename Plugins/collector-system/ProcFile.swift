#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads whole /proc files into one reused byte buffer.
///
/// /proc files report a size of 0, so the buffer grows by doubling until a read
/// returns end-of-file; after the first rounds it is large enough and reading a file
/// allocates nothing. Reading everything in as few `read` calls as possible also
/// matters for correctness: seq_file regenerates the text per call, so one large read
/// gives the most consistent snapshot.
///
/// A class so that parsers can read its bytes while the owning collector mutates its
/// other state; one instance serves every source of a collector, in turn.
final class ProcFile {
    private var buffer: [UInt8]
    /// Bytes of the last successful read.
    private(set) var count = 0
    /// `errno` of the last failed read (0 after a success).
    private(set) var lastError: Int32 = 0

    init(capacity: Int = 64 * 1024) {
        buffer = [UInt8](repeating: 0, count: max(capacity, 64))
    }

    /// Reads `path`; false (with `lastError` set) when it cannot be opened or read.
    func load(_ path: String) -> Bool {
        // withCString, not the implicit String-to-pointer conversion, which copies.
        path.withCString { load(at: AT_FDCWD, $0) }
    }

    /// Reads `path`, resolved relative to the directory `directoryFD` when relative.
    func load(at directoryFD: Int32, _ path: UnsafePointer<CChar>) -> Bool {
        count = 0
        let fd = openat(directoryFD, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            lastError = errno
            return false
        }
        defer { close(fd) }
        var total = 0
        while true {
            if total == buffer.count {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + total, raw.count - total)
            }
            if n < 0 {
                if errno == EINTR { continue }
                lastError = errno
                return false
            }
            if n == 0 { break }
            total += n
        }
        count = total
        lastError = 0
        return true
    }

    /// The bytes of the last successful read, valid inside `body` only.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try buffer.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[0..<count]))
        }
    }

    /// Whether the last read's bytes equal `other` (used to skip re-parsing unchanged files).
    func contentsEqual(_ other: [UInt8]) -> Bool {
        guard other.count == count else { return false }
        return withBytes { mine in
            other.withUnsafeBufferPointer { theirs in
                count == 0 || memcmp(mine.baseAddress!, theirs.baseAddress!, count) == 0
            }
        }
    }

    /// A copy of the last read's bytes.
    func copyBytes() -> [UInt8] { withBytes { Array($0) } }
}

/// The text of `strerror` for an errno, for log messages.
func errorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}
