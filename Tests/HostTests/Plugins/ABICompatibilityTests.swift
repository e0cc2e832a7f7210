import PluginAPI
import Testing
@testable import Host

/// The ABI's promise across versions, checked on the loader's rule itself: a host loads
/// plugins built for its own or any older ABI (zero-filling fields appended since), and
/// refuses a plugin built for a newer ABI with a message that says so.
@Suite struct ABICompatibilityTests {
    /// A v1 descriptor as a C plugin built against today's header would export.
    func v1Descriptor() -> nazar_plugin {
        var d = nazar_plugin()
        d.struct_size = UInt32(MemoryLayout<nazar_plugin>.size)
        d.abi_version = 1
        d.kind = UInt32(NAZAR_KIND_NOTIFIER)
        d.name = UnsafePointer(strdup("old-notifier"))
        d.create = { _, _, _, _, _ in 0 }
        d.destroy = { _ in }
        d.notify = { _, _, _ in 0 }
        return d
    }

    @Test func aPluginBuiltForABI1LoadsInALaterHostWithALargerDescriptor() throws {
        var d = v1Descriptor()
        // A future host (ABI 3) whose nazar_plugin grew by two appended pointers.
        let later = MemoryLayout<nazar_plugin>.size + 16
        let loaded = try withUnsafeBytes(of: &d) { raw in
            try PluginLoader.validate(raw.baseAddress!, path: "old.so", hostABI: 3, hostSize: later)
        }
        #expect(loaded.abiVersion == 1)
        #expect(loaded.name == "old-notifier")
        #expect(loaded.kind == .notifier)
        #expect(loaded.raw.notify != nil)
    }

    @Test func aPluginBuiltForANewerABIIsRefusedWithBothVersions() throws {
        var d = v1Descriptor()
        d.abi_version = 4
        #expect(throws: PluginLoadError(path: "new.so", reason: .abiTooNew(plugin: 4, host: 3))) {
            try withUnsafeBytes(of: &d) { raw in
                try PluginLoader.validate(raw.baseAddress!, path: "new.so", hostABI: 3, hostSize: MemoryLayout<nazar_plugin>.size + 16)
            }
        }
    }

    @Test func theHostTableOnlyGrowsAndSaysItsSize() {
        let t = HostAPITable.table.pointee
        #expect(t.struct_size == UInt32(MemoryLayout<nazar_host_api>.size))
        #expect(t.abi_version == 1)
        // Plugins test for functions with NAZAR_HOST_HAS: every v1 function is present.
        #expect(t.log != nil && t.now_ns != nil && t.monotonic_ns != nil && t.series_register != nil)
        #expect(t.publish != nil && t.alert_raise != nil && t.alert_resolve != nil)
        #expect(t.hostname != nil && t.state_directory != nil)
    }
}

#if canImport(Glibc)
import Glibc
#endif
