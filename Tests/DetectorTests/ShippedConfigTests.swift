import Foundation
import Host
import Testing

/// The shipped etc/nazar/plugins.d files for the detectors, read by the host's own
/// config loader and created through the built plugins, as nazard would.
@Suite("shipped detector configs")
struct ShippedConfigTests {
    @Test("detector-threshold and detector-ewma are enabled, subscribe to something, and create cleanly",
          arguments: ["detector-threshold", "detector-ewma"])
    func shippedInstanceCreates(plugin: String) throws {
        let loaded = try ConfigLoader.load(path: "\(TestPaths.repository)/etc/nazar/nazar.toml")
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        let instance = try #require(loaded.instances.first { $0.plugin == plugin })
        #expect(instance.enabled && !instance.subscribe.isEmpty)
        let entry = plugin == "detector-ewma" ? PluginLibrary.ewma : PluginLibrary.threshold
        let d = try DetectorInstance(entry, config: instance.configJSON)
        d.destroy()
    }

    @Test("detector-context ships disabled, subscribes to what its rules watch, and creates cleanly")
    func shippedContextCreates() throws {
        let loaded = try ConfigLoader.load(path: "\(TestPaths.repository)/etc/nazar/nazar.toml")
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        let instance = try #require(loaded.instances.first { $0.plugin == "detector-context" })
        #expect(!instance.enabled && instance.subscribe.count == 3)
        let d = try DetectorInstance(PluginLibrary.context, config: instance.configJSON)
        d.destroy()
    }
}
