import PluginAPI

/// Calls `body` with a `nazar_error` over a 1 KiB message buffer, as the host hands
/// one to a plugin call; returns the call's code and the message it left.
public func withErrorBuffer(_ body: (UnsafeMutablePointer<nazar_error>) -> Int32) -> (Int32, String) {
    var buffer = [CChar](repeating: 0, count: 1024)
    return buffer.withUnsafeMutableBufferPointer { b in
        var err = nazar_error(struct_size: UInt32(MemoryLayout<nazar_error>.size),
                              message_capacity: UInt32(b.count), message: b.baseAddress, retry_after_ms: 0)
        let code = body(&err)
        return (code, b.baseAddress.map { String(cString: $0) } ?? "")
    }
}
