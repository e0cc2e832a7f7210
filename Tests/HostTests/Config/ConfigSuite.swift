import Testing

/// Groups the config tests so `swift test --filter HostTests.Config` runs exactly them.
@Suite("Config") enum Config {}
