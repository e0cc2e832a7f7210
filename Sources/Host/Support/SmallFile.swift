#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a small file could not be read: the step that failed and errno's text
/// (`cannot open: Permission denied`), or what is wrong with the file (`not a regular file`).
public struct SmallFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    /// ENOENT: callers may treat a missing file differently from a broken one.
    public var isMissing: Bool = false

    public var description: String { message }
}

/// Whole small files a daemon reads at start or on reload (config files, TLS
/// certificates and keys), read the same careful way: O_NONBLOCK so a FIFO at the path
/// cannot hang the caller (it is refused as not a regular file), a size cap checked
/// before and while reading, EINTR retried. Blocking I/O; call from a thread that may block.
public enum SmallFile {
    /// The file's bytes and its mode bits.
    public static func contents(of path: String, maximumSize: Int) throws(SmallFileError) -> (bytes: [UInt8], mode: mode_t) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw failure("cannot open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot stat") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SmallFileError(message: "not a regular file") }
        let tooLarge = SmallFileError(message: "larger than \(sizeText(maximumSize))")
        guard Int(info.st_size) <= maximumSize else { throw tooLarge }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            guard bytes.count <= maximumSize else { throw tooLarge }
        }
        return (bytes, info.st_mode)
    }

    private static func failure(_ what: String) -> SmallFileError {
        let code = errno
        return SmallFileError(message: "\(what): \(String(cString: strerror(code)))", isMissing: code == ENOENT)
    }

    private static func sizeText(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
