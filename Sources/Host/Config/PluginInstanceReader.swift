/// Validates one parsed plugins.d file into a `PluginInstanceConfig`.
enum PluginInstanceReader {
    static let knownKeys = ["plugin", "enabled", "name", "interval", "subscribe", "call_timeout", "isolation", "config"]

    /// The instance, or nil when the file has errors (they are in `reader`).
    /// `nameLine` is where `name` is written, nil when it comes from the file name.
    static func read(_ root: [String: TOMLNode], file: String,
                     reader: inout ConfigValueReader) -> (instance: PluginInstanceConfig, nameLine: Int?)? {
        let base = TOMLPath()
        reader.rejectUnknownKeys(root, known: knownKeys, at: base)

        let plugin = reader.nonEmptyString(root, "plugin", at: base)
        if root["plugin"] == nil {
            reader.error("missing: name the plugin (e.g. plugin = \"collector-system\") or give an absolute path to its .so",
                         at: base.appending("plugin"))
        } else if let plugin, !isValidPluginReference(plugin) {
            reader.error("'\(plugin)' is neither a plugin name ([a-zA-Z0-9_.-]+) nor an absolute path to a .so file",
                         at: base.appending("plugin"))
        }

        let enabled = reader.bool(root, "enabled", at: base) ?? true

        var name = defaultName(forFile: file)
        if let written = reader.string(root, "name", at: base) {
            name = written
            if !PluginInstanceConfig.isValidName(written) {
                reader.error("'\(written)' is not a valid instance name: use [a-zA-Z0-9_.-]+", at: base.appending("name"))
            }
        } else if root["name"] == nil, !PluginInstanceConfig.isValidName(name) {
            reader.error("the instance name '\(name)' comes from the file name and is not valid: rename the file or set name = \"…\" ([a-zA-Z0-9_.-]+)",
                         at: base.appending("name"))
        }

        let interval = reader.duration(root, "interval", at: base, minimum: PluginInstanceConfig.minimumInterval)
            ?? PluginInstanceConfig.defaultInterval

        let callTimeout = reader.duration(root, "call_timeout", at: base, minimum: PluginInstanceConfig.minimumCallTimeout)
            ?? PluginInstanceConfig.defaultCallTimeout

        var isolation = PluginIsolation.none
        if let written = reader.string(root, "isolation", at: base) {
            if let mode = PluginIsolation(rawValue: written) {
                isolation = mode
            } else {
                reader.error("'\(written)' is not an isolation mode: use \"none\" (in nazard, the default) or \"process\" (a nazar-plugin-host child per instance)",
                             at: base.appending("isolation"))
            }
        }

        let subscribe = reader.strings(root, "subscribe", at: base) ?? []
        for (index, pattern) in subscribe.enumerated() {
            do {
                _ = try BindingPattern(pattern)
            } catch {
                reader.error(error.description, at: base.appending("subscribe").appending(index: index))
            }
        }

        var configJSON = "{}"
        if let node = root["config"] {
            let path = base.appending("config")
            if case .table = node {
                do {
                    configJSON = try TOMLToJSON.encode(node, at: path)
                } catch {
                    reader.error(error.message, at: error.path)
                }
            } else {
                reader.typeMismatch("a table", node, at: path)
            }
        }

        guard !reader.hasErrors, let plugin else { return nil }
        let instance = PluginInstanceConfig(file: file, name: name, plugin: plugin, enabled: enabled,
                                            interval: interval, subscribe: subscribe, configJSON: configJSON,
                                            callTimeout: callTimeout, isolation: isolation)
        return (instance, reader.locator.exactLine(of: base.appending("name")))
    }

    /// "collector-system.toml" names the instance "collector-system".
    static func defaultName(forFile file: String) -> String {
        let fileName = ConfigPaths.fileName(of: file)
        return fileName.hasSuffix(".toml") ? String(fileName.dropLast(5)) : fileName
    }

    /// A bare plugin name for the search path, or an absolute path to a shared object.
    static func isValidPluginReference(_ text: String) -> Bool {
        if text.hasPrefix("/") { return text.hasSuffix(".so") && text.count > 4 }
        return PluginInstanceConfig.isValidName(text)
    }

    /// Whether plugins.d entry `name` is an instance file: "*.toml", not hidden. Backups
    /// left by dpkg or editors ("x.toml.dpkg-old", "x.toml~") do not end in ".toml".
    static func isInstanceFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.hasSuffix(".toml") && name.count > 5
    }
}
