/// /proc/loadavg: "0.02 0.03 0.00 2/84 5260".
struct LoadAvg: Equatable {
    var one: Double
    var five: Double
    var fifteen: Double
    /// Runnable tasks and all tasks (threads, kernel threads included) right now.
    var runnable: UInt64
    var threads: UInt64

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> LoadAvg? {
        var s = ByteScanner(bytes)
        guard let one = s.decimal(), let five = s.decimal(), let fifteen = s.decimal(),
              let runnable = s.uint64(), s.skip(UInt8(ascii: "/")), let threads = s.uint64()
        else { return nil }
        return LoadAvg(one: one, five: five, fifteen: fifteen, runnable: runnable, threads: threads)
    }
}
