#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached OS thread running `body`, named for `top -H` and gdb.
///
/// Plugin calls are blocking C calls of unknown duration; running them on dedicated
/// threads keeps them from starving Swift's cooperative pool (two threads on this
/// machine's two cores).
public enum WorkerThread {
    /// Returns false (and runs nothing) when the thread cannot be created (EAGAIN: the
    /// process hit its thread limit); the caller reports that as an instance failure.
    @discardableResult
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            let name: String
            init(_ body: @escaping @Sendable () -> Void, name: String) { self.body = body; self.name = name }
        }
        let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, 1 << 20)
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            // pthread_setname_np is not visible without _GNU_SOURCE; the kernel's comm file
            // is the same thing (15 bytes at most).
            let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if fd >= 0 {
                let name = Array(box.name.utf8.prefix(15))
                _ = name.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            box.body()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        return true
    }
}
