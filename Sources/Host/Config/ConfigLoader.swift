/// Reads nazar.toml and every instance file in its plugins directory.
public enum ConfigLoader {
    /// Loads the configuration the daemon runs with.
    ///
    /// Throws only when nazar.toml itself cannot be used (missing, unreadable, syntax
    /// error, invalid value): the daemon cannot start with it. A bad plugins.d file does
    /// not throw: that instance is left out with an error diagnostic and every other
    /// instance is kept, so a typo in one file never takes down what was accepted.
    public static func load(path: String) throws(ConfigDiagnostic) -> LoadedConfig {
        let main = readMain(path: path)
        if let firstError = main.diagnostics.first(where: \.isError) { throw firstError }
        guard let daemon = main.config else {
            // readMain reports an error whenever it has no config; this is belt and braces.
            throw .error("cannot be used", file: path)
        }
        let plugins = readPluginsDirectory(daemon.pluginsDirectory)
        return LoadedConfig(daemon: daemon, instances: plugins.instances,
                            diagnostics: main.diagnostics + plugins.diagnostics
                                + daemon.alerting.routeWarnings(instances: plugins.instances, file: path))
    }

    /// Checks everything and reports every problem, for `nazarctl check-config`; plugins.d
    /// is checked even when nazar.toml has errors, unless its location is one of them.
    public static func check(path: String) -> ConfigCheck {
        let main = readMain(path: path)
        guard let daemon = main.config else {
            return ConfigCheck(daemon: nil, instances: [], diagnostics: main.diagnostics)
        }
        let pluginsDirectoryKey = TOMLPath(keys: "daemon", "plugins_directory").description
        if main.diagnostics.contains(where: { $0.isError && $0.key == pluginsDirectoryKey }) {
            return ConfigCheck(daemon: daemon, instances: [], diagnostics: main.diagnostics)
        }
        let plugins = readPluginsDirectory(daemon.pluginsDirectory)
        return ConfigCheck(daemon: daemon, instances: plugins.instances,
                           diagnostics: main.diagnostics + plugins.diagnostics
                               + daemon.alerting.routeWarnings(instances: plugins.instances, file: path))
    }

    /// nazar.toml: the config is nil when the file cannot be read or parsed at all.
    static func readMain(path: String) -> (config: DaemonConfig?, diagnostics: [ConfigDiagnostic]) {
        let contents: ConfigFileContents
        do {
            contents = try ConfigFiles.readFile(path)
        } catch {
            return (nil, [.error(error.message, file: path, line: error.line)])
        }
        return readMain(contents, path: path)
    }

    /// nazar.toml from text already read (the fuzz target enters here).
    static func readMain(_ contents: ConfigFileContents, path: String) -> (config: DaemonConfig?, diagnostics: [ConfigDiagnostic]) {
        var diagnostics: [ConfigDiagnostic] = []
        if contents.worldWritable {
            diagnostics.append(worldWritableWarning(path))
        }
        let root: [String: TOMLNode]
        do {
            root = try TOMLDocument.parse(contents.text)
        } catch {
            return (nil, diagnostics + [.error(error.message, file: path, line: error.line)])
        }
        var reader = ConfigValueReader(file: path, text: contents.text)
        let config = DaemonConfigReader.read(root, sourcePath: path, reader: &reader)
        return (config, diagnostics + reader.diagnosticsInFileOrder)
    }

    /// Every instance file in `directory`, in file-name order. Never throws: each problem
    /// is a diagnostic and costs at most the one instance it is in.
    static func readPluginsDirectory(_ directory: String) -> (instances: [PluginInstanceConfig], diagnostics: [ConfigDiagnostic]) {
        let names: [String]
        do {
            names = try ConfigFiles.listDirectory(directory)
        } catch {
            if error.isMissing {
                return ([], [.warning("plugins directory does not exist: no plugin instances", file: directory)])
            }
            return ([], [.error(error.message, file: directory)])
        }
        var diagnostics: [ConfigDiagnostic] = []
        if ConfigFiles.isWorldWritableDirectory(directory) == true {
            diagnostics.append(.warning("the plugins directory is world-writable: anyone can add a plugin instance", file: directory))
        }
        let files = names.filter(PluginInstanceReader.isInstanceFileName)
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }

        var instances: [PluginInstanceConfig] = []
        var fileOfName: [String: String] = [:]
        for fileName in files {
            let file = ConfigPaths.join(directory, fileName)
            let (read, fileDiagnostics) = readInstanceFile(file)
            diagnostics += fileDiagnostics
            guard let (instance, nameLine) = read else { continue }
            if let earlier = fileOfName[instance.name] {
                diagnostics.append(.error("instance name '\(instance.name)' is already used by \(earlier); this file is ignored",
                                          file: file, line: nameLine, key: "name"))
                continue
            }
            fileOfName[instance.name] = file
            instances.append(instance)
        }
        return (instances, diagnostics)
    }

    /// Reads one plugins.d file on its own (for `nazarctl replay --instance`). Throws its
    /// first error; warnings are returned with the instance.
    public static func loadInstanceFile(_ file: String) throws(ConfigDiagnostic) -> (PluginInstanceConfig, [ConfigDiagnostic]) {
        let read = readInstanceFile(file)
        if let firstError = read.diagnostics.first(where: { $0.severity == .error }) { throw firstError }
        guard let (instance, _) = read.instance else {
            throw .error("not a plugin instance file", file: file)
        }
        return (instance, read.diagnostics)
    }

    static func readInstanceFile(_ file: String) -> (instance: (PluginInstanceConfig, Int?)?, diagnostics: [ConfigDiagnostic]) {
        let contents: ConfigFileContents
        do {
            contents = try ConfigFiles.readFile(file)
        } catch {
            return (nil, [.error(error.message, file: file, line: error.line)])
        }
        return readInstance(contents, file: file)
    }

    /// One plugins.d file from text already read (the fuzz target enters here).
    static func readInstance(_ contents: ConfigFileContents, file: String) -> (instance: (PluginInstanceConfig, Int?)?, diagnostics: [ConfigDiagnostic]) {
        var diagnostics: [ConfigDiagnostic] = []
        if contents.worldWritable {
            diagnostics.append(worldWritableWarning(file))
        }
        let root: [String: TOMLNode]
        do {
            root = try TOMLDocument.parse(contents.text)
        } catch {
            return (nil, diagnostics + [.error(error.message, file: file, line: error.line)])
        }
        var reader = ConfigValueReader(file: file, text: contents.text)
        let read = PluginInstanceReader.read(root, file: file, reader: &reader)
        return (read.map { ($0.instance, $0.nameLine) }, diagnostics + reader.diagnosticsInFileOrder)
    }

    private static func worldWritableWarning(_ file: String) -> ConfigDiagnostic {
        .warning("the file is world-writable: anyone can change it (chmod o-w)", file: file)
    }
}
