// libFuzzer entry point for the HTTP ingest JSON batch parser (POST /api/v1/points).
import IngestFormat
import IngestFuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var sink = CheckingSink(inputLines: inputLineCount(input))
    let result = JSONIngestParser().parse(input, into: &sink)
    checkResult(result, sink: sink, input: input)
    return 0
}
