import ArgumentParser
import PluginKit
#if canImport(Glibc)
import Glibc
#endif
import Host

/// Opens the store nazar.toml names (`[storage]`), as nazard does, for the commands that
/// read or change alert history, silences and the outbox from outside the daemon.
func openConfiguredStorage(configPath: String) throws -> any Storage {
    let loaded: LoadedConfig
    do {
        loaded = try ConfigLoader.load(path: configPath)
    } catch {
        throw ValidationError("\(error)")
    }
    let daemon = loaded.daemon
    let storage: (any Storage)?
    do {
        storage = try StorageFactory.make(daemon.storage, stateDirectory: daemon.stateDirectory)
    } catch {
        throw ValidationError("\(configPath): \(error)")
    }
    guard let storage else {
        throw ValidationError("\(configPath): storage.backend is \"none\": alerts and silences are kept only in nazard's memory")
    }
    do {
        try storage.open()
    } catch {
        throw ValidationError("cannot open the \(storage.backendName) store named by \(configPath): \(error)")
    }
    return storage
}

/// "2h", "30m", "1d12h" as nanoseconds; the error names the option.
func parseDurationOption(_ text: String, option: String) throws -> Int64 {
    guard let d = DurationText.parse(text), d > .zero else {
        throw ValidationError("\(option): '\(text)' is not a duration (examples: 30m, 2h, 1d)")
    }
    return d.nanoseconds
}

/// Reads `{key="value", key=~"regex"}` for --matchers.
func parseMatchersOption(_ text: String) throws -> [LabelMatcher] {
    do {
        return try LabelMatcher.parseList(text)
    } catch {
        throw ValidationError("--matchers: \(error)")
    }
}

/// A nanosecond timestamp as UTC "2026-11-23 14:05:09".
func formatTimestamp(_ ns: Int64) -> String {
    guard ns > 0 else { return "-" }
    var t = time_t(ns / 1_000_000_000)
    var parts = tm()
    gmtime_r(&t, &parts)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
}
