import Foundation
import Testing
@testable import Host

/// Every way a plugin file can be refused, each with the reason the journal line gives,
/// plus the files that must load.
@Suite struct PluginLoaderTests {
    let dir: String

    init() throws {
        dir = try TestPaths.makeTemporaryDirectory("loader")
    }

    func build(_ name: String, case define: String? = nil, source: String = CPlugin.fixture("refused.c")) throws -> String {
        let path = "\(dir)/\(name).so"
        try CPlugin.compile(source, to: path, defines: define.map { ["CASE_\($0)"] } ?? [])
        return path
    }

    func refusal(_ plugin: String, strict: Bool = true, searchPath: [String]? = nil) -> PluginLoadError? {
        let loader = PluginLoader(searchPath: searchPath ?? [dir], strictPermissions: strict)
        do {
            _ = try loader.load(plugin)
            return nil
        } catch {
            return error
        }
    }

    @Test func loadsTheCExampleByNameFromTheSearchPath() throws {
        try CPlugin.compile(CPlugin.example, to: "\(dir)/collector-example.so")
        let loader = PluginLoader(searchPath: ["/nonexistent", dir], strictPermissions: true)
        let d = try loader.load("collector-example")
        #expect(d.name == "collector-example")
        #expect(d.kind == .collector)
        #expect(d.abiVersion == 1)
        #expect(d.path == "\(dir)/collector-example.so")
        #expect(d.raw.collect != nil)
    }

    @Test func findsLibPrefixedSwiftPluginsInTheBuildDirectory() throws {
        let loader = PluginLoader(searchPath: [TestPaths.buildProducts], strictPermissions: false)
        let system = try loader.load("collector-system")
        #expect(system.kind == .collector)
        #expect(system.name == "collector-system")
        let log = try loader.load("notifier-log")
        #expect(log.kind == .notifier)
    }

    @Test func missingFileNamesTheSearchedDirectories() {
        let e = refusal("no-such-plugin", searchPath: ["/a", "/b"])
        #expect(e?.reason == .notFound(searched: ["/a", "/b"]))
        #expect(e?.description.contains("/a, /b") == true)
    }

    @Test func textFileIsNotASharedObject() throws {
        let path = "\(dir)/text.so"
        try "not a library\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        #expect(refusal(path)?.reason == .notSharedObject("no ELF header"))
    }

    @Test func relocatableObjectIsNotASharedObject() throws {
        let path = "\(dir)/object.so"
        let (status, out) = try runTool("/usr/bin/cc", ["-c", "-fPIC", "-I", TestPaths.headerInclude, "-o", path, CPlugin.example])
        #expect(status == 0, "\(out)")
        #expect(refusal(path)?.reason == .notSharedObject("ELF type 1, expected a shared object (ET_DYN)"))
    }

    @Test func noEntrySymbol() throws {
        let path = try build("noentry", case: "NO_ENTRY")
        guard case .noEntrySymbol? = refusal(path)?.reason else {
            Issue.record("expected noEntrySymbol, got \(String(describing: refusal(path)))")
            return
        }
        #expect(refusal(path)?.description.contains("nazar_plugin_entry") == true)
    }

    @Test func entryReturningNull() throws {
        #expect(refusal(try build("nullentry", case: "NULL_ENTRY"))?.reason == .entryReturnedNull)
    }

    @Test func abiNewerThanHostIsRefusedWithBothVersions() throws {
        let e = refusal(try build("future", case: "FUTURE_ABI"))
        #expect(e?.reason == .abiTooNew(plugin: 2, host: 1))
        #expect(e?.code == "abi_too_new")
        #expect(e?.explanation.contains("newer than this host's ABI 1") == true)
    }

    @Test func descriptorTooSmall() throws {
        #expect(refusal(try build("small", case: "TOO_SMALL"))?.reason == .descriptorTooSmall(size: 16, minimum: 96))
    }

    @Test func descriptorLargerThanTheHostKnowsForItsABI() throws {
        #expect(refusal(try build("large", case: "TOO_LARGE"))?.reason == .descriptorTooLarge(size: 104, maximum: 96))
    }

    @Test func unknownKind() throws {
        #expect(refusal(try build("kind", case: "UNKNOWN_KIND"))?.reason == .unknownKind(9))
    }

    @Test func requiredCallbackMissingForItsKind() throws {
        #expect(refusal(try build("nocollect", case: "MISSING_CALLBACK"))?.reason == .missingCallback("collect"))
    }

    @Test func descriptorWithoutName() throws {
        #expect(refusal(try build("noname", case: "NO_NAME"))?.reason == .missingName)
    }

    @Test func abiVersionZero() throws {
        #expect(refusal(try build("abizero", case: "ABI_ZERO"))?.reason == .abiInvalid(0))
    }

    @Test func groupWritableFileIsRefusedInStrictModeOnly() throws {
        let path = try build("gw")
        chmod(path, 0o775)
        guard case .writableByOthers? = refusal(path)?.reason else {
            Issue.record("expected writableByOthers, got \(String(describing: refusal(path)))")
            return
        }
        #expect(refusal(path, strict: false) == nil)
    }

    @Test func worldWritableDirectoryIsRefused() throws {
        let sub = "\(dir)/open"
        mkdir(sub, 0o755)
        chmod(sub, 0o777)
        let path = "\(sub)/p.so"
        try CPlugin.compile(CPlugin.fixture("refused.c"), to: path)
        chmod(path, 0o755)
        #expect(refusal(path)?.reason == .writableByOthers(path: sub, mode: UInt32(0o40777)))
    }

    @Test func fileOwnedByAnotherUserIsRefused() throws {
        let path = try build("owned")
        guard geteuid() == 0 else {
            // Only root can give a file away; CI runs as root, so this is checked there.
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "CI must run the tests as root")
            return
        }
        #expect(chown(path, 65534, 65534) == 0)
        #expect(refusal(path)?.reason == .badOwner(uid: 65534, allowed: [0]))
        #expect(refusal(path, strict: false) == nil)
    }

    @Test func changedFileIsLoadedAnewUnchangedFileIsCached() throws {
        let path = "\(dir)/collector-example.so"
        try CPlugin.compile(CPlugin.example, to: path)
        let loader = PluginLoader(searchPath: [dir], strictPermissions: true)
        let first = try loader.load("collector-example")
        #expect(try loader.load("collector-example").loadID == first.loadID)
        // Replace the file the way package managers do: new inode, same name.
        let replacement = "\(dir)/replacement.tmp"
        try CPlugin.compile(CPlugin.fixture("refused.c"), to: replacement)
        #expect(rename(replacement, path) == 0)
        let second = try loader.load("collector-example")
        #expect(second.loadID != first.loadID)
        #expect(second.name == "fixture")
    }
}
