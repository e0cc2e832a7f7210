// swift-tools-version:6.0
import PackageDescription

// Plugins are separate shared libraries: each is its own dynamic product, so nazard
// can dlopen it and Debian can ship it in whichever package it belongs to.
func plugin(_ product: String, target: String, dependencies: [Target.Dependency] = [],
            exclude: [String] = []) -> [Target] {
    [.target(name: target, dependencies: ["PluginKit"] + dependencies, path: "Plugins/\(product)",
             exclude: exclude)]
}

// A detector plugin is two targets: its code (tests link it) and the one-line C entry
// point (only the shared library links it: one test binary cannot hold two plugins'
// `nazar_plugin_entry`).
func detectorPlugin(_ product: String, target: String) -> [Target] {
    plugin(product, target: target, exclude: ["README.md", "Entry"])
        + [.target(name: "\(target)Entry", dependencies: [.target(name: target), "PluginKit"],
                   path: "Plugins/\(product)/Entry")]
}

let package = Package(
    name: "nazar",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nazard", targets: ["nazard"]),
        .executable(name: "nazarctl", targets: ["nazarctl"]),
        // The child nazard spawns per instance with isolation = "process".
        .executable(name: "nazar-plugin-host", targets: ["nazar-plugin-host"]),
        .library(name: "PluginKit", targets: ["PluginKit"]),
        .library(name: "collector-system", type: .dynamic, targets: ["CollectorSystem"]),
        .library(name: "notifier-log", type: .dynamic, targets: ["NotifierLog"]),
        .library(name: "detector-threshold", type: .dynamic, targets: ["DetectorThresholdEntry"]),
        .library(name: "detector-ewma", type: .dynamic, targets: ["DetectorEWMAEntry"]),
        .library(name: "notifier-slack", type: .dynamic, targets: ["NotifierSlack"]),
        .library(name: "notifier-smtp", type: .dynamic, targets: ["NotifierSMTP"]),
        .library(name: "notifier-telegram", type: .dynamic, targets: ["NotifierTelegram"]),
        .library(name: "detector-iforest", type: .dynamic, targets: ["DetectorIForestEntry"]),
        .library(name: "detector-context", type: .dynamic, targets: ["DetectorContextEntry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already under HummingbirdTLS; named for the API's own TLS checks (NIOSSLContext).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(name: "PluginAPI"),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq",
                       providers: [.apt(["librabbitmq-dev"])]),
        // Gather kernels of the Isolation Forest scorer (C: Swift has no gather), picked at run time.
        .target(name: "IForestKernels"),
        .target(name: "PluginKit", dependencies: ["PluginAPI", "IForestKernels"]),
        // prctl(PR_SET_PDEATHSIG) and close_range for nazar-plugin-host (variadic in C).
        .target(name: "CProcessControl"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // libcurl transport, secrets and text escaping shared by the Slack, SMTP and Telegram notifiers.
        .target(name: "NotifierKit", dependencies: ["PluginKit", "CCurl"]),
        .target(
            name: "Host",
            dependencies: [
                // PluginKit for the parsers plugins and host must agree on (durations, JSON).
                "PluginAPI", "PluginKit", "CProcessControl", "CSystemd", "CSQLite", "CPostgres", "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // Each area's README says what it owns; they are not resources.
            exclude: ["Systemd/README.md", "Logging/README.md", "Config/README.md", "Plugins/README.md",
                      "Bus/README.md", "Daemon/README.md", "Support/README.md", "Replay/README.md", "Admin/README.md",
                      "Storage/README.md", "Alerting/README.md",
                      "Isolation/README.md", "HTTP/README.md",
                      "Stream/README.md"]
        ),
        // zlib for gzip request bodies (Content-Encoding: gzip) in IngestFormat.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Ingest parsers (JSON, InfluxDB line protocol) and gzip: no Host, no Foundation, so
        // fuzz targets and benchmarks build it alone.
        .target(name: "IngestFormat", dependencies: ["CZlib"], exclude: ["README.md"]),
        // The HTTP server (Hummingbird): ingest, read API, keys, /metrics, OpenAPI.
        .target(name: "API", dependencies: [
            "Host", "IngestFormat", "PluginKit",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], exclude: ["README.md"]),
        // Agent mode: forwards the bus's points to a central nazard's ingest API (disk buffer, gzip, libcurl).
        .target(name: "Agent", dependencies: [
            "Host", "IngestFormat", "NotifierKit", "PluginKit",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], exclude: ["README.md"]),
        .executableTarget(name: "nazard", dependencies: [
            "Host", "API", "Agent", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "nazar-plugin-host", dependencies: ["Host"]),
        .executableTarget(name: "nazarctl", dependencies: [
            "Host", "PluginKit", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "nazar-bench", dependencies: ["Host", "PluginKit", "IngestFormat"], path: "bench/nazar-bench"),
        // Per-alert cost of notifier-slack vs. the documented C webhook notifier, over loopback HTTP.
        .executableTarget(name: "notify-bench", dependencies: ["PluginAPI"], path: "bench/notify-bench"),
        .executableTarget(name: "iforest-bench", dependencies: ["PluginKit"], path: "bench/iforest-bench"),

        // Helpers every test target shares: paths, temp dirs, running tools, polling, ports.
        .target(name: "TestSupport", dependencies: ["PluginAPI"], path: "Tests/TestSupport"),
        .testTarget(name: "PluginKitTests", dependencies: ["PluginKit"]),
        // Fixtures/ holds C plugins the tests compile with cc at run time.
        .testTarget(name: "HostTests", dependencies: ["Host", "PluginKit", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CollectorSystemTests", dependencies: ["CollectorSystem", "TestSupport"]),
        // Unit tests link the detectors' code; C-level tests dlopen the built plugins.
        .testTarget(name: "DetectorTests", dependencies: ["DetectorEWMA", "DetectorThreshold", "DetectorContext", "PluginKit",
                                                          "PluginAPI", "Host", "TestSupport"]),
        // Drives the notifier plugins against loopback stand-ins (Servers/, Python) for Slack,
        // Telegram and SMTP, and builds the third-party kit example from docs/.
        // Fixtures/ holds C plugins the tests compile with cc at run time.
        .testTarget(name: "NotifierTests", dependencies: ["NotifierKit", "PluginAPI", "TestSupport"],
                    exclude: ["Servers", "Fixtures"]),
        // Its end-to-end tests dlopen the built libdetector-iforest.so (swift build --build-tests builds it).
        .testTarget(name: "DetectorIForestTests", dependencies: ["DetectorIForest", "TestSupport"]),
        // Starts real services (systemd-journald, nazard processes); run by scripts/test.
        .testTarget(name: "IntegrationTests", dependencies: ["Host", "TestSupport"], exclude: ["Fixtures", "Browser"]),
        // The same storage suite against SQLite and a real PostgreSQL (scripts/start-postgres).
        .testTarget(name: "StorageTests", dependencies: ["Host", "TestSupport"]),
        // Agent mode's disk buffer, backoff, answer handling and [agent] settings.
        .testTarget(name: "AgentTests", dependencies: ["Agent", "Host", "IngestFormat"]),
        .testTarget(name: "IngestFormatTests", dependencies: ["IngestFormat"]),
        // HTTP handlers in-process (HummingbirdTesting), parsers, keys, and a real nazard on loopback.
        .testTarget(name: "APITests", dependencies: [
            "API", "IngestFormat", "Host", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], exclude: ["Fixtures"]),
    ]
        + plugin("collector-system", target: "CollectorSystem", exclude: ["README.md"])
        + plugin("notifier-log", target: "NotifierLog")
        + detectorPlugin("detector-threshold", target: "DetectorThreshold")
        + detectorPlugin("detector-ewma", target: "DetectorEWMA")
        + plugin("notifier-slack", target: "NotifierSlack", dependencies: ["NotifierKit"], exclude: ["README.md"])
        + plugin("notifier-smtp", target: "NotifierSMTP", dependencies: ["NotifierKit", "CCurl"], exclude: ["README.md"])
        + plugin("notifier-telegram", target: "NotifierTelegram", dependencies: ["NotifierKit"], exclude: ["README.md"])
        + detectorPlugin("detector-iforest", target: "DetectorIForest")
        + detectorPlugin("detector-context", target: "DetectorContext")
)

// libFuzzer targets (fuzz/Targets), added only when scripts/fuzz builds them (NAZAR_FUZZ=1,
// its own scratch path .build-fuzz, -sanitize=fuzzer,address). They have no `main`:
// libFuzzer links its own and calls their `LLVMFuzzerTestOneInput`, so in a normal build
// they could not link; `@testable import Host` reaches the internal decoders, which
// scripts/fuzz allows with -enable-testing.
if Context.environment["NAZAR_FUZZ"] == "1" {
    for name in ["fuzz-config", "fuzz-bus"] {
        package.products.append(.executable(name: name, targets: [name]))
        package.targets.append(.executableTarget(name: name, dependencies: ["Host"], path: "fuzz/Targets/\(name)"))
    }
    // The ingest parsers need only IngestFormat (no Host): quick to build, fast to run.
    package.targets.append(.target(name: "IngestFuzzSupport", dependencies: ["IngestFormat"],
                                   path: "fuzz/Targets/IngestFuzzSupport"))
    for name in ["fuzz-json", "fuzz-lineproto"] {
        package.products.append(.executable(name: name, targets: [name]))
        package.targets.append(.executableTarget(name: name, dependencies: ["IngestFormat", "IngestFuzzSupport"],
                                                 path: "fuzz/Targets/\(name)"))
    }
}
