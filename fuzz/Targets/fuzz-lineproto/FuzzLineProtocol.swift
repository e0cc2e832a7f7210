// libFuzzer entry point for the HTTP ingest InfluxDB line-protocol parser (/write). The
// first byte picks the timestamp precision, so every unit's arithmetic is fuzzed.
import IngestFormat
import IngestFuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLineProtocol(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let precisions = TimePrecision.allCases
    let precision = precisions[Int(data[0]) % precisions.count]
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    var sink = CheckingSink(inputLines: inputLineCount(input))
    let result = LineProtocolParser(precision: precision).parse(input, into: &sink)
    checkResult(result, sink: sink, input: input)
    return 0
}
