/// Why a plugin library was refused. Each case becomes one journal line naming the file
/// (`NAZAR_EVENT=plugin_refused`, `NAZAR_REASON=<code>`), and the daemon carries on
/// with the other plugins.
public struct PluginLoadError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Reason: Sendable, Equatable {
        case notFound(searched: [String])
        case notRegularFile
        case notSharedObject(String)
        case dlopenFailed(String)
        case noEntrySymbol(String)
        case entryReturnedNull
        case abiTooNew(plugin: UInt32, host: UInt32)
        case abiInvalid(UInt32)
        case descriptorTooSmall(size: UInt32, minimum: Int)
        case descriptorTooLarge(size: UInt32, maximum: Int)
        case unknownKind(UInt32)
        case missingCallback(String)
        case missingName
        case badOwner(uid: UInt32, allowed: [UInt32])
        case writableByOthers(path: String, mode: UInt32)
        case duplicateInstance(name: String, firstFile: String)
    }

    /// The library path (or the plugin name when nothing was found).
    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// A stable machine-readable code for the journal's NAZAR_REASON field.
    public var code: String {
        switch reason {
        case .notFound: return "not_found"
        case .notRegularFile: return "not_regular_file"
        case .notSharedObject: return "not_shared_object"
        case .dlopenFailed: return "dlopen_failed"
        case .noEntrySymbol: return "no_entry_symbol"
        case .entryReturnedNull: return "entry_returned_null"
        case .abiTooNew: return "abi_too_new"
        case .abiInvalid: return "abi_invalid"
        case .descriptorTooSmall: return "descriptor_too_small"
        case .descriptorTooLarge: return "descriptor_too_large"
        case .unknownKind: return "unknown_kind"
        case .missingCallback: return "missing_callback"
        case .missingName: return "missing_name"
        case .badOwner: return "bad_owner"
        case .writableByOthers: return "writable_by_others"
        case .duplicateInstance: return "duplicate_instance"
        }
    }

    public var description: String { "plugin \(path) refused: \(explanation)" }

    /// The reason in words an admin can act on.
    public var explanation: String {
        switch reason {
        case let .notFound(searched):
            return "no such plugin file (looked for <name>.so and lib<name>.so in: \(searched.joined(separator: ", ")))"
        case .notRegularFile:
            return "not a regular file"
        case let .notSharedObject(detail):
            return "not a shared object (\(detail))"
        case let .dlopenFailed(detail):
            return "dlopen failed: \(detail)"
        case let .noEntrySymbol(detail):
            return "no entry symbol nazar_plugin_entry (\(detail)); is it built against nazar/plugin.h?"
        case .entryReturnedNull:
            return "nazar_plugin_entry() returned NULL"
        case let .abiTooNew(plugin, host):
            return "built for plugin ABI \(plugin), newer than this host's ABI \(host); upgrade nazar or use a plugin built for ABI \(host)"
        case let .abiInvalid(v):
            return "invalid abi_version \(v) in descriptor"
        case let .descriptorTooSmall(size, minimum):
            return "descriptor struct_size \(size) is smaller than the minimum \(minimum) bytes"
        case let .descriptorTooLarge(size, maximum):
            return "descriptor struct_size \(size) is more than this host supports (\(maximum) bytes) for its ABI version"
        case let .unknownKind(kind):
            return "unknown plugin kind \(kind) (this host knows 1 collector, 2 detector, 3 notifier)"
        case let .missingCallback(name):
            return "required callback \(name) is NULL"
        case .missingName:
            return "descriptor has no name"
        case let .badOwner(uid, allowed):
            return "owned by uid \(uid), expected \(allowed.map(String.init).joined(separator: " or ")) (set plugins.strict_permissions = false only for development)"
        case let .writableByOthers(path, mode):
            return "\(path) is writable by group or others (mode \(String(mode & 0o7777, radix: 8))); anyone who can write it can run code as nazard (set plugins.strict_permissions = false only for development)"
        case let .duplicateInstance(name, firstFile):
            return "instance name '\(name)' is already used by \(firstFile)"
        }
    }
}
