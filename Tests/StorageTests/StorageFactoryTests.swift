import Foundation
import Testing
@testable import Host

/// Choosing and building the configured store.
@Suite struct StorageFactoryTests {
    @Test func backendNoneBuildsNothingAndSQLiteUsesTheStateDirectory() throws {
        #expect(try StorageFactory.make(StorageSettings(backend: .none), stateDirectory: "/x") == nil)
        let dir = try TestStore.temporaryDirectory()
        let s = try #require(try StorageFactory.make(StorageSettings(), stateDirectory: dir))
        #expect(s.backendName == "sqlite")
        try s.open()
        s.close()
        #expect(access("\(dir)/nazar.db", F_OK) == 0)
    }

    @Test func unreadableDSNFileIsNamed() {
        let settings = StorageSettings(backend: .postgresql, dsnFile: "/nonexistent/pg.dsn")
        #expect {
            try StorageFactory.make(settings, stateDirectory: "/tmp")
        } throws: { error in
            guard case let .invalidArgument(field, reason) = error as? StorageError else { return false }
            return field == "storage.dsn_file" && reason.hasPrefix("/nonexistent/pg.dsn")
        }
    }

    @Test func theDSNIsTheFirstLineOfItsFile() throws {
        let dir = try TestStore.temporaryDirectory()
        try "host=127.0.0.1 port=1 connect_timeout=1\n# comment\n".write(toFile: "\(dir)/pg.dsn", atomically: true, encoding: .utf8)
        let s = try #require(try StorageFactory.make(StorageSettings(backend: .postgresql, dsnFile: "\(dir)/pg.dsn"), stateDirectory: dir))
        #expect(s.backendName == "postgresql")
        // Port 1 refuses: the error says the database is unavailable (retryable), not malformed.
        #expect {
            try s.open()
        } throws: { error in
            (error as? StorageError)?.isTransient == true && "\(error)".contains("port 1 failed")
        }
    }

    @Test func anUnwritableSQLitePathIsReportedWithThePath() {
        let s = StorageFactory.sqlite(path: "/nonexistent-dir/nazar.db")
        #expect {
            try s.open()
        } throws: { error in
            "\(error)".contains("/nonexistent-dir/nazar.db")
        }
    }
}
