import Foundation
@testable import Host

/// A throwaway /etc/nazar look-alike in a fresh temporary directory.
final class ConfigFixture {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "nazar-config-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var mainPath: String { root + "/nazar.toml" }
    var pluginsPath: String { root + "/plugins.d" }

    func path(_ relative: String) -> String { root + "/" + relative }

    @discardableResult
    func write(_ relative: String, _ text: String, mode: Int? = nil) throws -> String {
        let full = path(relative)
        try FileManager.default.createDirectory(atPath: ConfigPaths.directory(of: full), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full) }
        return full
    }

    func writeBytes(_ relative: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path(relative)))
    }

    func writeMain(_ text: String = "") throws { try write("nazar.toml", text, mode: 0o644) }

    @discardableResult
    func writePlugin(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        try write("plugins.d/" + name, text, mode: mode)
    }

    func load() throws(ConfigDiagnostic) -> LoadedConfig { try ConfigLoader.load(path: mainPath) }

    /// The error `load` throws; nil (and a failed expectation at the call site) if it loads.
    func loadError() -> ConfigDiagnostic? {
        do {
            _ = try load()
            return nil
        } catch {
            return error
        }
    }
}
