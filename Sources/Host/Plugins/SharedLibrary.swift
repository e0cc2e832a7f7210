#if canImport(Glibc)
import Glibc
#endif

/// A dlopen()ed library. dlopen/dlsym failures become errors carrying dlerror().
///
/// Libraries are never dlclose()d: Swift plugins register type metadata with the Swift
/// runtime that outlives any handle, and unloading C plugins that started threads is a
/// classic crash. A changed plugin file is loaded afresh under a new name instead
/// (see `PluginLoader`).
public final class SharedLibrary: @unchecked Sendable {
    public let path: String
    let handle: UnsafeMutableRawPointer

    public enum Failure: Error { case open(String), symbol(String) }

    public init(path: String) throws(Failure) {
        _ = dlerror()
        guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw .open(SharedLibrary.lastError() ?? "unknown error")
        }
        self.path = path
        handle = h
    }

    public func symbol(_ name: String) throws(Failure) -> UnsafeMutableRawPointer {
        _ = dlerror()
        guard let s = dlsym(handle, name) else {
            throw .symbol(SharedLibrary.lastError() ?? "symbol is NULL")
        }
        return s
    }

    static func lastError() -> String? {
        guard let e = dlerror() else { return nil }
        return String(cString: e)
    }
}
