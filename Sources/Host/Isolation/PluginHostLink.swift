import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The child's end of the socketpair, inside `nazar-plugin-host`: a reader thread that
/// takes nazard's messages (calls for the main thread, answers to host function
/// requests for whichever plugin thread asked, series definitions), and a locked sender
/// that any plugin thread may use.
final class PluginHostLink: @unchecked Sendable {
    let fd: Int32
    private let lock = ConditionLock()
    private let sendLock = ConditionLock()
    private let writer = PluginHostMessageWriter(capacity: 64 * 1024)
    private var nextID: UInt32 = 0
    /// Host function requests waiting for their answer, by id.
    private var answers: [UInt32: Int64?] = [:]
    /// The call the main thread is to run, with the buffer holding it.
    private var call: (buffer: UnsafeMutableRawPointer, length: Int)?
    /// The buffer the reader reads into next, once the main thread has given it back.
    private var spare: UnsafeMutableRawPointer?
    private var disconnected = false
    /// Series nazard defined, by id: name and labels as C strings, kept for the process.
    private(set) var series: [UInt64: SeriesDefinition] = [:]

    struct SeriesDefinition {
        let name: UnsafeMutablePointer<CChar>
        let labels: UnsafeMutablePointer<nazar_label>
        let labelCount: UInt32
    }

    static let bufferSize = PluginHostWire.maximumMessage + 4096

    init(fd: Int32) {
        self.fd = fd
        spare = .allocate(byteCount: Self.bufferSize, alignment: 8)
    }

    /// Starts the reader thread; false if it cannot be created.
    func start() -> Bool {
        WorkerThread.start(name: "nz-ph-reader") { [self] in readLoop() }
    }

    // MARK: - Main thread

    /// Waits for the next call; nil once nazard has gone away. The buffer stays valid
    /// until the next `nextCall()`.
    func nextCall() -> (buffer: UnsafeMutableRawPointer, length: Int)? {
        lock.withLock {
            while call == nil && !disconnected { lock.wait(.first, untilMonotonicNanoseconds: .max) }
            defer { call = nil }
            return call
        }
    }

    /// Gives a call's buffer back to the reader once the plugin call has returned (before
    /// the reply goes out, so the reader never waits for it).
    func recycle(_ buffer: UnsafeMutableRawPointer) {
        lock.withLock {
            spare = buffer
            lock.broadcast(.second)
        }
    }

    // MARK: - Any thread

    /// Encodes a message under the send lock and sends it; false if nazard is gone or the
    /// message is larger than `PluginHostWire.maximumMessage` (nazard could not take it).
    @discardableResult
    func send(_ type: PluginHostWire.MessageType, id: UInt32 = 0, _ encode: (PluginHostMessageWriter) -> Void) -> Bool {
        sendLock.withLock {
            writer.begin(type, id: id)
            encode(writer)
            let message = writer.finish()
            guard message.count <= PluginHostWire.maximumMessage else { return false }
            return PluginHostWire.send(fd, message)
        }
    }

    /// Sends a host function request and waits for nazard's answer; `whenGone` if nazard
    /// has gone away.
    func request(_ type: PluginHostWire.MessageType, whenGone: Int64, _ encode: (PluginHostMessageWriter) -> Void) -> Int64 {
        let id: UInt32 = lock.withLock {
            nextID &+= 1
            if nextID == 0 { nextID = 1 }
            answers[nextID] = .some(nil)
            return nextID
        }
        guard send(type, id: id, encode) else {
            lock.withLock { answers[id] = nil }
            return whenGone
        }
        return lock.withLock {
            while case .some(.none) = answers[id], !disconnected { lock.wait(.second, untilMonotonicNanoseconds: .max) }
            let answer = answers[id] ?? nil
            answers[id] = nil
            return answer ?? whenGone
        }
    }

    /// Runs `body` with the series nazard defined so far, under the lock once for a whole
    /// batch (main thread, during on_points).
    func withDefinitions<R>(_ body: ([UInt64: SeriesDefinition]) throws(PluginHostWireError) -> R) throws(PluginHostWireError) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(series)
    }

    // MARK: - Reader thread

    private func readLoop() {
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 8)
        while true {
            let n = PluginHostWire.receive(fd, into: buffer, capacity: Self.bufferSize)
            if n == 0 { break }
            do throws(PluginHostWireError) {
                var reader = try PluginHostMessageReader(buffer, length: n)
                switch reader.type {
                case .hostReply:
                    let value = try reader.read(Int64.self, "value")
                    lock.withLock {
                        if answers[reader.id] != nil { answers[reader.id] = .some(value) }
                        lock.broadcast(.second)
                    }
                case .defineSeries:
                    try define(&reader)
                case .create, .start, .collect, .onPoints, .notify, .stop, .destroy:
                    // Hand the buffer to the main thread and read on into the spare one.
                    buffer = lock.withLock {
                        call = (buffer, n)
                        lock.broadcast(.first)
                        while spare == nil { lock.wait(.second, untilMonotonicNanoseconds: .max) }
                        let next = spare
                        spare = nil
                        return next ?? buffer
                    }
                default:
                    throw PluginHostWireError("the plugin host does not accept \(reader.type) messages")
                }
            } catch {
                PluginHostServer.die("nazar-plugin-host: \(error)")
            }
        }
        // nazard closed its end (it exited, or killed us on purpose): nothing to finish.
        lock.withLock {
            disconnected = true
            lock.broadcast(.first)
            lock.broadcast(.second)
        }
    }

    private func define(_ reader: inout PluginHostMessageReader) throws(PluginHostWireError) {
        let id = try reader.read(UInt64.self, "series")
        let name = try reader.readCString("name")
        let n = Int(try reader.read(UInt32.self, "label count"))
        guard n <= 1024 else { throw PluginHostWireError("series \(id) has \(n) labels (at most 1024)") }
        let labels = UnsafeMutablePointer<nazar_label>.allocate(capacity: max(n, 1))
        for i in 0..<n {
            let k = try reader.readCString("label key"), v = try reader.readCString("label value")
            labels[i] = nazar_label(key: UnsafePointer(strdup(k)), value: UnsafePointer(strdup(v)))
        }
        let definition = SeriesDefinition(name: strdup(name), labels: labels, labelCount: UInt32(n))
        lock.withLock { series[id] = definition }
    }
}
