import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// Finds, checks and loads plugin libraries, and validates their descriptors before
/// calling anything else in them (PostgreSQL's PG_MODULE_MAGIC discipline).
///
/// Thread-safe. Libraries stay loaded for the life of the process; loading the same
/// unchanged file again returns the cached descriptor, a changed file is loaded anew.
public final class PluginLoader: @unchecked Sendable {
    public let searchPath: [String]
    public let strictPermissions: Bool

    private struct Entry {
        var identity: PluginFileCheck.Identity
        var library: SharedLibrary
        var descriptor: PluginDescriptor
    }

    private let lock = ConditionLock()
    private var loaded: [String: Entry] = [:]
    private var aliasCounter = 0
    private var loadCounter = 0

    public init(searchPath: [String], strictPermissions: Bool) {
        self.searchPath = searchPath
        self.strictPermissions = strictPermissions
    }

    /// The file a `plugin = "..."` value names: an absolute or relative path when it
    /// contains a '/', else `<name>.so` or `lib<name>.so` in the first search directory
    /// that has one.
    public func resolve(_ plugin: String) throws(PluginLoadError) -> String {
        if plugin.contains("/") {
            guard access(plugin, F_OK) == 0 else {
                throw PluginLoadError(path: plugin, reason: .notFound(searched: [plugin]))
            }
            return plugin
        }
        for dir in searchPath {
            for candidate in ["\(dir)/\(plugin).so", "\(dir)/lib\(plugin).so"] where access(candidate, F_OK) == 0 {
                return candidate
            }
        }
        throw PluginLoadError(path: plugin, reason: .notFound(searched: searchPath))
    }

    /// Resolves, checks, loads and validates a plugin library.
    public func load(_ plugin: String) throws(PluginLoadError) -> PluginDescriptor {
        let path = try resolve(plugin)
        let identity = try PluginFileCheck.check(path: path, strict: strictPermissions)
        lock.lock()
        defer { lock.unlock() }
        if let entry = loaded[path], entry.identity == identity {
            return entry.descriptor
        }
        // glibc returns the already-loaded object for a path it has seen, even if the
        // file was replaced; a fresh alias name makes it map the new file.
        let openPath = loaded[path] == nil ? path : try alias(for: path)
        let library: SharedLibrary
        do {
            library = try SharedLibrary(path: openPath)
        } catch {
            if case let .open(message) = error {
                throw PluginLoadError(path: path, reason: .dlopenFailed(message))
            }
            throw PluginLoadError(path: path, reason: .dlopenFailed("\(error)"))
        }
        let entrySymbol: UnsafeMutableRawPointer
        do {
            entrySymbol = try library.symbol(NAZAR_PLUGIN_ENTRY_SYMBOL)
        } catch {
            var detail = "\(error)"
            if case let .symbol(message) = error { detail = message }
            throw PluginLoadError(path: path, reason: .noEntrySymbol(detail))
        }
        let entry = unsafeBitCast(entrySymbol, to: (@convention(c) () -> UnsafeRawPointer?).self)
        guard let raw = entry() else {
            throw PluginLoadError(path: path, reason: .entryReturnedNull)
        }
        loadCounter += 1
        let descriptor = try PluginLoader.validate(raw, path: path, loadID: loadCounter)
        loaded[path] = Entry(identity: identity, library: library, descriptor: descriptor)
        return descriptor
    }

    /// Checks a descriptor's header before reading anything else from it, then copies it.
    ///
    /// `hostABI` and `hostSize` are this host's ABI version and descriptor size; tests pass
    /// larger ones to check that a plugin built for today's ABI keeps loading in a later host.
    static func validate(_ raw: UnsafeRawPointer, path: String, loadID: Int = 0,
                         hostABI: UInt32 = UInt32(NAZAR_ABI_VERSION),
                         hostSize: Int = MemoryLayout<nazar_plugin>.size) throws(PluginLoadError) -> PluginDescriptor {
        let size = raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let abi = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let minimum = (MemoryLayout<nazar_plugin>.offset(of: \nazar_plugin.notify) ?? hostSize - 8) + MemoryLayout<UnsafeRawPointer>.size
        guard abi != 0 else { throw PluginLoadError(path: path, reason: .abiInvalid(abi)) }
        guard abi <= hostABI else {
            throw PluginLoadError(path: path, reason: .abiTooNew(plugin: abi, host: hostABI))
        }
        guard Int(size) >= minimum else {
            throw PluginLoadError(path: path, reason: .descriptorTooSmall(size: size, minimum: minimum))
        }
        guard Int(size) <= hostSize else {
            throw PluginLoadError(path: path, reason: .descriptorTooLarge(size: size, maximum: hostSize))
        }
        // Zero-fill, then copy only what the plugin declared (and what this build knows):
        // fields appended after the plugin was built read as NULL/0.
        var copy = nazar_plugin()
        withUnsafeMutableBytes(of: &copy) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: min(Int(size), dst.count)))
        }
        guard let kind = PluginKind(rawValue: copy.kind) else {
            throw PluginLoadError(path: path, reason: .unknownKind(copy.kind))
        }
        guard let namePtr = copy.name, namePtr.pointee != 0 else {
            throw PluginLoadError(path: path, reason: .missingName)
        }
        if copy.create == nil { throw PluginLoadError(path: path, reason: .missingCallback("create")) }
        if copy.destroy == nil { throw PluginLoadError(path: path, reason: .missingCallback("destroy")) }
        switch kind {
        case .collector where copy.collect == nil:
            throw PluginLoadError(path: path, reason: .missingCallback("collect"))
        case .detector where copy.on_points == nil:
            throw PluginLoadError(path: path, reason: .missingCallback("on_points"))
        case .notifier where copy.notify == nil:
            throw PluginLoadError(path: path, reason: .missingCallback("notify"))
        default: break
        }
        return PluginDescriptor(
            raw: copy, kind: kind, name: String(cString: namePtr),
            version: copy.version.map { String(cString: $0) } ?? "",
            summary: copy.description.map { String(cString: $0) } ?? "",
            abiVersion: abi, path: path, loadID: loadID)
    }

    /// A new symlink to `path` in a private directory, so dlopen sees a name it has not
    /// loaded before.
    private func alias(for path: String) throws(PluginLoadError) -> String {
        aliasCounter += 1
        var template = Array("/tmp/nazar-plugins-XXXXXX".utf8CString)
        let dir: String? = template.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress, let p = mkdtemp(base) else { return nil }
            return String(cString: p)
        }
        guard let dir else {
            throw PluginLoadError(path: path, reason: .dlopenFailed("cannot create an alias directory to reload the changed file"))
        }
        let base = path.split(separator: "/").last.map(String.init) ?? "plugin.so"
        let link = "\(dir)/\(aliasCounter)-\(base)"
        guard symlink(path, link) == 0 else {
            throw PluginLoadError(path: path, reason: .dlopenFailed("cannot alias the changed file: \(String(cString: strerror(errno)))"))
        }
        return link
    }
}
