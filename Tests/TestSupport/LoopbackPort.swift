#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound to 127.0.0.1 on a port the kernel picked, listening when asked
/// with a backlog: a port "held" by a test (a busy port, a server that never answers,
/// since the kernel completes the handshake and nobody accepts). Closed on deinit.
public final class LoopbackSocket {
    public let fd: Int32
    public let port: Int

    /// Binds (and with `backlog`, listens); throws `TestFailure` with the errno text.
    public init(listenBacklog backlog: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && (backlog.map { listen(fd, $0) == 0 } ?? true) && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TestFailure("cannot bind a loopback port: \(reason)")
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice for
/// a socket bound to port 0, closed again). Another process may take it before the
/// caller binds it; tests that start servers on it retry or fail loudly.
public func freeLoopbackPort() throws -> Int {
    try LoopbackSocket().port
}
