#if canImport(Glibc)
import Glibc
#endif

/// How a `nazar-plugin-host` child ended, from waitpid(2)'s status.
public struct ChildExitStatus: Sendable, Equatable, CustomStringConvertible {
    public let raw: Int32

    /// The signal that killed it, if one did.
    public var signal: Int32? { raw & 0x7f != 0 && raw & 0x7f != 0x7f ? raw & 0x7f : nil }
    /// Its exit code, if it exited.
    public var exitCode: Int32? { raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil }

    public var description: String {
        if let s = signal { return "killed by signal \(s) (\(Self.signalName(s)))" }
        if let c = exitCode { return "exited with status \(c)" }
        return "ended with wait status \(raw)"
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGKILL: return "SIGKILL"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        case SIGILL: return "SIGILL"
        case SIGTERM: return "SIGTERM"
        case SIGPIPE: return "SIGPIPE"
        default: return "signal \(s)"
        }
    }
}
