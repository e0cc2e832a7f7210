/// /proc/sys/fs/file-nr: "allocated  unused  max". Since 2.6 `unused` is always 0, but
/// subtracting it keeps older kernels right.
struct FileNr: Equatable {
    var open: UInt64
    var max: UInt64

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> FileNr? {
        var s = ByteScanner(bytes)
        guard let allocated = s.uint64(), let unused = s.uint64(), let max = s.uint64() else { return nil }
        return FileNr(open: allocated > unused ? allocated - unused : 0, max: max)
    }
}
