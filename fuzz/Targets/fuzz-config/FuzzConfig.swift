// libFuzzer entry point for the configuration loader: the bytes are a nazar.toml and,
// separately, a plugins.d instance file. The loader must turn any input into a config
// or diagnostics, never crash; the checks below make its promises about diagnostics
// fail loudly too. Built only by scripts/fuzz (NAZAR_FUZZ=1, -sanitize=fuzzer,address).
@testable import Host

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text: String
    do {
        text = try ConfigFiles.text(of: bytes)
    } catch {
        // Invalid UTF-8 is refused with the line it is on.
        if let line = error.line { checkLine(line, in: bytes, "invalid UTF-8") }
        return 0
    }
    checkRoundTrip(text)
    let contents = ConfigFileContents(text: text, worldWritable: false)

    let main = ConfigLoader.readMain(contents, path: "/etc/nazar/nazar.toml")
    if main.config == nil && !main.diagnostics.contains(where: \.isError) {
        fatalError("nazar.toml refused without an error diagnostic")
    }
    check(main.diagnostics, file: "/etc/nazar/nazar.toml", bytes: bytes)

    let instance = ConfigLoader.readInstance(contents, file: "/etc/nazar/plugins.d/fuzz.toml")
    let instanceErrors = instance.diagnostics.contains(where: \.isError)
    // The reader's contract: an instance exactly when the file has no error.
    if (instance.instance == nil) != instanceErrors {
        fatalError("instance \(instance.instance == nil ? "missing" : "returned") with errors=\(instanceErrors): \(instance.diagnostics)")
    }
    check(instance.diagnostics, file: "/etc/nazar/plugins.d/fuzz.toml", bytes: bytes)
    return 0
}

/// The parser against itself: a document it accepts, written back as TOML, parses to the
/// same document; a document it refuses names a line that exists.
private func checkRoundTrip(_ text: String) {
    let root: [String: TOMLNode]
    do {
        root = try TOMLDocument.parse(text)
    } catch {
        if let line = error.line { checkLine(line, in: Array(text.utf8), error.message) } else { fatalError("syntax error without a line: \(error.message)") }
        return
    }
    let written = TOMLWriter.document(root)
    do {
        let again = try TOMLDocument.parse(written)
        if !TOMLWriter.same(.table(root), .table(again)) {
            fatalError("round trip changed the document:\n\(written)\nparsed again:\n\(TOMLWriter.document(again))")
        }
    } catch {
        fatalError("the written document does not parse: line \(error.line ?? 0): \(error.message)\n\(written)")
    }
}

/// Every diagnostic names the file it is about and, when it has a line, a line that exists.
private func check(_ diagnostics: [ConfigDiagnostic], file: String, bytes: [UInt8]) {
    for d in diagnostics {
        if d.file != file { fatalError("diagnostic names \(d.file), expected \(file): \(d)") }
        if let line = d.line { checkLine(line, in: bytes, d.description) }
        _ = d.description
    }
}

private func checkLine(_ line: Int, in bytes: [UInt8], _ what: String) {
    let lines = bytes.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    if line < 1 || line > lines { fatalError("line \(line) outside 1...\(lines): \(what)") }
}
