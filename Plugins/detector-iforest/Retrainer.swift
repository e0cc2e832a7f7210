import PluginKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Fits models on a background thread so `on_points` never waits for a fit, and saves
/// each one to the state directory from there.
///
/// The detector thread submits jobs (copies of a host's training rows) and, at the start
/// of each `on_points`, takes finished models with `takeFinished()` and swaps them in
/// whole: scoring uses the old model until then, never a half-built one. `stop()` joins
/// the thread; a fit in progress is finished first (it is bounded: O(t·ψ·log ψ)).
final class Retrainer: @unchecked Sendable {
    struct Job: Sendable {
        var hostIndex: Int
        var hostName: String
        var values: [Float]
        var featureCount: Int
        var parameters: IsolationForest.Parameters
        var firstTimestamp: Int64
        var lastTimestamp: Int64
        /// For the log line: the model's name and whether it replaces one.
        var modelName: String
        var retraining: Bool
    }

    struct Finished: Sendable {
        var hostIndex: Int
        var hostName: String
        var outcome: Result<TrainedModel, IsolationForestError>
    }

    // Everything below `lock` is guarded by it.
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job] = []
    private var finished: [Finished] = []
    private var stopping = false
    private var thread: pthread_t?
    /// Lets the detector skip the lock on the (usual) call with nothing finished.
    private let hasFinished = Atomic<Bool>(false)

    private let store: ModelStore?
    private let host: PluginHost

    init(store: ModelStore?, host: PluginHost) {
        self.store = store
        self.host = host
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(lock)
        wake.deallocate()
        lock.deallocate()
    }

    /// Starts the thread. Throws if the system refuses a thread.
    func start() throws(PluginError) {
        let context = Unmanaged.passRetained(self).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { raw in
            let me = Unmanaged<Retrainer>.fromOpaque(raw!).takeRetainedValue()
            me.run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Retrainer>.fromOpaque(context).release()
            throw PluginError("cannot start the training thread: \(String(cString: strerror(rc)))")
        }
        thread = t
    }

    /// Asks the thread to finish and waits for it. Queued jobs are abandoned.
    func stop() {
        pthread_mutex_lock(lock)
        stopping = true
        jobs.removeAll()
        pthread_cond_signal(wake)
        pthread_mutex_unlock(lock)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    func submit(_ job: Job) {
        pthread_mutex_lock(lock)
        jobs.append(job)
        pthread_cond_signal(wake)
        pthread_mutex_unlock(lock)
    }

    /// Models finished since the last call (usually none: one atomic load).
    func takeFinished() -> [Finished] {
        guard hasFinished.load(ordering: .acquiring) else { return [] }
        pthread_mutex_lock(lock)
        let out = finished
        finished.removeAll()
        hasFinished.store(false, ordering: .releasing)
        pthread_mutex_unlock(lock)
        return out
    }

    /// Fits on the calling thread; used before `start()` and by the training thread.
    static func fit(_ job: Job) -> Result<TrainedModel, IsolationForestError> {
        do throws(IsolationForestError) {
            let forest = try IsolationForest(fitting: job.values, featureCount: job.featureCount, parameters: job.parameters)
            return .success(TrainedModel(forest: forest, trainedThroughNanoseconds: job.lastTimestamp,
                                         baselineSpanNanoseconds: job.lastTimestamp - job.firstTimestamp))
        } catch {
            return .failure(error)
        }
    }

    /// Fits, saves the model (when there is a store) and logs the outcome; whoever
    /// calls it may be the training thread or, before `start()`, the detector's.
    static func fitAndSave(_ job: Job, store: ModelStore?, host: PluginHost) -> Result<TrainedModel, IsolationForestError> {
        let outcome = fit(job)
        switch outcome {
        case let .success(model):
            if let store {
                do throws(ModelFileError) {
                    try store.save(host: job.hostName, model: model)
                } catch {
                    host.log(.warning, "cannot save the model: \(error)", [("NAZAR_EVENT", "model_save_failed")])
                }
            }
            host.log(.info, "\(job.retraining ? "retrained" : "learnt") model \(job.modelName) for \(job.hostName) from \(model.baselineText)",
                     [("NAZAR_EVENT", "model_trained"), ("NAZAR_HOST", job.hostName), ("NAZAR_ROWS", "\(model.baselineRows)")])
        case let .failure(error):
            host.log(.warning, "cannot learn model \(job.modelName) for \(job.hostName): \(error)",
                     [("NAZAR_EVENT", "model_training_failed"), ("NAZAR_HOST", job.hostName)])
        }
        return outcome
    }

    private func run() {
        while true {
            pthread_mutex_lock(lock)
            while jobs.isEmpty && !stopping { pthread_cond_wait(wake, lock) }
            if stopping {
                pthread_mutex_unlock(lock)
                return
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(lock)

            let outcome = Retrainer.fitAndSave(job, store: store, host: host)
            pthread_mutex_lock(lock)
            finished.append(Finished(hostIndex: job.hostIndex, hostName: job.hostName, outcome: outcome))
            hasFinished.store(true, ordering: .releasing)
            pthread_mutex_unlock(lock)
        }
    }
}
