import Host

/// Where the API reads alerts and silences from. The alert manager (branch `alerting`)
/// will provide these; until it is merged `DaemonAlertSource` reads the daemon's alert book
/// and the store, and switching is this one file.
///
/// Calls may block (storage); errors are the store's.
public protocol AlertSource: Sendable {
    /// Alerts firing now.
    func firing() -> [AlertEvent]
    /// Stored alert history, newest first.
    func history(_ filter: AlertHistoryFilter) throws(StorageError) -> [AlertRecord]
    /// Silences active at `now`.
    func silences(at now: Int64) throws(StorageError) -> [Silence]
    /// Stores a silence; returns its id.
    func createSilence(_ silence: Silence) throws(StorageError) -> Int64
    /// Ends a silence now.
    func expireSilence(id: Int64, at now: Int64) throws(StorageError)
}

/// `AlertSource` over `daemon.alertBook` and `daemon.storageWriter?.storage`.
struct DaemonAlertSource: AlertSource {
    let daemon: Daemon

    func firing() -> [AlertEvent] { daemon.alertBook.active }

    private func store() throws(StorageError) -> any Storage {
        guard let s = daemon.storageWriter?.storage else {
            throw StorageError.unavailable(backend: "none", operation: "read", reason: "no storage configured ([storage] backend = \"none\")")
        }
        return s
    }

    func history(_ filter: AlertHistoryFilter) throws(StorageError) -> [AlertRecord] { try store().alertHistory(filter) }
    func silences(at now: Int64) throws(StorageError) -> [Silence] { try store().activeSilences(at: now) }
    func createSilence(_ silence: Silence) throws(StorageError) -> Int64 { try store().createSilence(silence) }
    func expireSilence(id: Int64, at now: Int64) throws(StorageError) { try store().expireSilence(id: id, at: now) }
}
