import Foundation
// Shared helpers (TestPaths …): the TestSupport target.
@_exported import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The detectors' shared libraries as SwiftPM built them, loaded with dlopen like nazard
/// loads them, so the C-level tests exercise the exported descriptor itself.
enum PluginLibrary {
    // The descriptors are immutable once returned; loading happens once, lazily.
    nonisolated(unsafe) static let ewma = entry("detector-ewma")
    nonisolated(unsafe) static let threshold = entry("detector-threshold")
    nonisolated(unsafe) static let context = entry("detector-context")

    /// The `nazar_plugin_entry()` result of lib<name>.so; stops the test run with the
    /// dlerror() text when the library was not built (run `swift build --build-tests`).
    static func entry(_ name: String) -> UnsafeRawPointer {
        let path = "\(TestPaths.buildProducts)/lib\(name).so"
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            fatalError("cannot load \(path): \(String(cString: dlerror())) — build it with `swift build --build-tests`")
        }
        guard let symbol = dlsym(handle, "nazar_plugin_entry") else {
            fatalError("\(path) has no nazar_plugin_entry")
        }
        typealias Entry = @convention(c) () -> UnsafeRawPointer
        return unsafeBitCast(symbol, to: Entry.self)()
    }
}
