import PluginKit

/// Multivariate anomaly detection with an Isolation Forest: one model per host over the
/// configured metrics aligned in time (see `RowAssembler`). Learns from a baseline,
/// retrains on a background thread every `retrain_interval`, persists models in the
/// state directory, publishes `anomaly.score` for every scored row and raises an alert
/// after `consecutive` rows score at or above `threshold` (resolved after as many below).
///
/// All methods run on the host's calling thread for this instance (never concurrently);
/// only fitting and saving happen on the `Retrainer` thread.
public struct IForestDetector: Detector {
    public static let info = PluginInfo(name: "detector-iforest", version: "0.1.0",
                                 description: "Isolation Forest over several metrics per host (multivariate anomalies)")

    struct SeriesSlot {
        /// Index in `config.metrics`, or −1 for a series this instance does not use.
        var feature: Int
        var host: Int
    }

    let host: PluginHost
    let config: IForestConfig
    let store: ModelStore?
    var hostIndex: [String: Int] = [:]
    var hosts: [HostState] = []
    var seriesSlots: [UInt64: SeriesSlot] = [:]
    var retrainer: Retrainer?
    var writer = PointWriter(capacity: 1)

    public init(config raw: PluginConfig, host: PluginHost) throws(PluginError) {
        config = try IForestConfig(raw)
        self.host = host
        let directory = host.stateDirectory
        if config.persist && config.fitRows == nil && !directory.isEmpty {
            store = ModelStore(directory: directory, model: config.model, signature: config.signature)
        } else {
            store = nil
        }
    }

    public mutating func start() throws(PluginError) {
        loadPersistedModels()
        // fit_rows replays learn synchronously so the second pass is scored by the model
        // learnt from exactly the first; the daemon fits off the hot path.
        guard config.fitRows == nil else { return }
        let r = Retrainer(store: store, host: host)
        try r.start()
        retrainer = r
    }

    public mutating func stop() {
        retrainer?.stop()
        retrainer = nil
    }

    public mutating func onPoints(_ batch: PointBatch) throws(PluginError) {
        if let retrainer { for done in retrainer.takeFinished() { install(done) } }
        for point in batch {
            let slot = seriesSlot(point)
            guard slot.feature >= 0 else { continue }
            let state = hosts[slot.host]
            let event = state.assembler.add(feature: slot.feature, value: point.value, timestamp: point.timestampNanoseconds)
            if event.late { noteLate(state) }
            if event.droppedIncomplete { noteIncomplete(state) }
            if event.droppedNonFiniteFeature >= 0 { noteNonFinite(state, feature: event.droppedNonFiniteFeature) }
            if event.completed { processRow(state) }
        }
    }

    // MARK: series and hosts

    /// The slot of a series, worked out (with string reads) only the first time it is seen.
    mutating func seriesSlot(_ point: PointView) -> SeriesSlot {
        if let known = seriesSlots[point.series] { return known }
        let name = point.name
        let labels = point.labels
        var slot = SeriesSlot(feature: -1, host: -1)
        if let feature = config.metrics.firstIndex(where: { $0.matches(name: name, labels: labels) }) {
            let hostName = labels.first { $0.0 == "host" }?.1 ?? host.hostname
            slot = SeriesSlot(feature: feature, host: state(forHost: hostName).index)
        }
        seriesSlots[point.series] = slot
        return slot
    }

    mutating func state(forHost name: String) -> HostState {
        if let i = hostIndex[name] { return hosts[i] }
        let capacity: Int
        if let fitRows = config.fitRows {
            capacity = fitRows
        } else if case let .rows(n) = config.baseline {
            capacity = n
        } else {
            capacity = config.maxTrainingRows
        }
        let s = HostState(name: name, index: hosts.count, featureCount: config.metrics.count,
                          step: config.stepNanoseconds, windowCapacity: capacity)
        hosts.append(s)
        hostIndex[name] = s.index
        return s
    }

    // MARK: rows

    mutating func processRow(_ state: HostState) {
        let values = state.assembler.completedValues
        for f in 0..<values.count {
            let v = Float(values[f])
            // A finite double beyond float32's range would become ±∞ for the model.
            guard v.isFinite else {
                noteNonFinite(state, feature: f)
                return
            }
            state.row[f] = v
        }
        state.completeRows += 1
        let timestamp = state.assembler.completedTimestamp
        if state.firstRowTimestamp == nil { state.firstRowTimestamp = timestamp }

        // A gap of more than one step breaks a run of consecutive rows: "3 rows in a
        // row" must mean 3 adjacent steps, not 3 rows an hour apart.
        let bucket = state.assembler.completedBucket ?? 0
        if let last = state.lastScoredBucket, bucket > last + 1 {
            state.rowsAbove = 0
            state.rowsBelow = 0
        }

        var learn = !state.frozen
        if let model = state.model {
            let score = (try? model.forest.score(state.row)) ?? .nan
            state.lastScoredBucket = bucket
            publishScore(score, state: state, timestamp: timestamp)
            updateAlert(score: score, state: state, model: model, timestamp: timestamp)
            // Rows the model finds anomalous stay out of the next baseline, so an ongoing
            // incident does not become "normal" at the next retraining.
            if score >= config.threshold {
                learn = false
                state.rowsKeptOutOfBaseline += 1
            }
        }
        if learn {
            state.window.append(state.row, timestamp: timestamp)
            scheduleTraining(state, now: timestamp)
        }
    }

    mutating func scheduleTraining(_ state: HostState, now: Int64) {
        guard !state.trainingPending else { return }
        if let fitRows = config.fitRows {
            guard state.window.count >= fitRows else { return }
            let snapshot = state.window.snapshot()
            runFit(state, snapshot: snapshot)
            state.frozen = true
            return
        }
        let snapshot: (values: [Float], rows: Int, firstTimestamp: Int64, lastTimestamp: Int64)
        if let model = state.model {
            guard config.retrainIntervalNanoseconds > 0,
                  now - model.trainedThroughNanoseconds >= config.retrainIntervalNanoseconds else { return }
        }
        switch config.baseline {
        case let .rows(n):
            guard state.window.count >= n else { return }
            snapshot = state.window.snapshot(limit: n)
        case let .duration(span):
            guard let first = state.firstRowTimestamp, now - first >= span,
                  state.window.count >= config.minBaselineRows else { return }
            snapshot = state.window.snapshot(since: now - span)
            guard snapshot.rows >= config.minBaselineRows else { return }
        }
        runFit(state, snapshot: snapshot)
    }

    mutating func runFit(_ state: HostState, snapshot: (values: [Float], rows: Int, firstTimestamp: Int64, lastTimestamp: Int64)) {
        let job = Retrainer.Job(hostIndex: state.index, hostName: state.name, values: snapshot.values,
                                featureCount: config.metrics.count, parameters: config.parameters,
                                firstTimestamp: snapshot.firstTimestamp, lastTimestamp: snapshot.lastTimestamp,
                                modelName: config.model, retraining: state.model != nil)
        state.trainingPending = true
        if let retrainer {
            retrainer.submit(job)
        } else {
            // Not started (fit_rows replay, or a host calling on_points before start): fit here.
            let outcome = Retrainer.fitAndSave(job, store: store, host: host)
            install(Retrainer.Finished(hostIndex: state.index, hostName: state.name, outcome: outcome))
        }
    }

    mutating func install(_ done: Retrainer.Finished) {
        guard done.hostIndex < hosts.count else { return }
        let state = hosts[done.hostIndex]
        state.trainingPending = false
        // One assignment between rows: scoring never sees a half-swapped model.
        if case let .success(model) = done.outcome { state.model = model }
    }

    // MARK: output

    mutating func publishScore(_ score: Double, state: HostState, timestamp: Int64) {
        if state.scoreSeries == nil {
            state.scoreSeries = host.registerSeries("anomaly.score", labels: [
                ("host", state.name), ("model", config.model), ("rule", config.rule),
            ]) ?? 0
        }
        guard let series = state.scoreSeries, series != 0 else { return }
        writer.append(series: series, value: score, timestampNanoseconds: timestamp)
        host.publish(&writer)
    }

    mutating func updateAlert(score: Double, state: HostState, model: TrainedModel, timestamp: Int64) {
        if score >= config.threshold {
            state.rowsAbove += 1
            state.rowsBelow = 0
            state.peakScore = state.firing ? max(state.peakScore, score) : score
            guard !state.firing, state.rowsAbove >= config.consecutive else { return }
            state.firing = true
            let summary = "isolation score \(format(score)) ≥ \(format(config.threshold)) for \(state.rowsAbove) rows "
                + "over a baseline of \(model.baselineText)\(topMetricText(model: model, state: state))"
            host.raise(alert(state: state, summary: summary, score: score, timestamp: timestamp))
        } else {
            state.rowsBelow += 1
            state.rowsAbove = 0
            guard state.firing, state.rowsBelow >= config.consecutive else { return }
            state.firing = false
            let summary = "isolation score \(format(score)) < \(format(config.threshold)) for \(state.rowsBelow) rows "
                + "(peak \(format(state.peakScore)))"
            host.resolve(alert(state: state, summary: summary, score: score, timestamp: timestamp))
        }
    }

    func alert(state: HostState, summary: String, score: Double, timestamp: Int64) -> AlertSpec {
        AlertSpec(rule: config.rule, severity: config.severity,
                  labels: [("host", state.name), ("metric", config.metricNames.joined(separator: ",")), ("model", config.model)],
                  summary: summary, value: score, score: score, timestampNanoseconds: timestamp)
    }

    /// "; most isolating: cpu.total = 97.5 (41 of 100 trees)": the metric whose split
    /// isolated the row in most trees.
    func topMetricText(model: TrainedModel, state: HostState) -> String {
        guard let counts = try? model.forest.isolationCounts(state.row),
              let best = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[best] > 0 else { return "" }
        return "; most isolating: \(config.metrics[best].text) = \(state.row[best]) (\(counts[best]) of \(model.forest.treeCount) trees)"
    }

    func format(_ x: Double) -> String {
        let scaled = (x * 100).rounded()
        guard scaled.isFinite else { return "\(x)" }
        let i = Int(scaled)
        let frac = abs(i % 100)
        return "\(i / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    // MARK: data problems, counted and logged once per kind and host

    func noteIncomplete(_ state: HostState) {
        state.incompleteRows += 1
        // Before the first complete row, series are still appearing (a collector's rates
        // need two samples): counted, not worth a warning at every start.
        guard state.completeRows > 0, !state.warnedIncomplete else { return }
        state.warnedIncomplete = true
        let names = state.assembler.missingInDroppedRow().map { config.metrics[$0].text }
        host.log(.warning, "\(state.name): dropped a row without \(names.joined(separator: ", ")) (rows are not forward-filled; "
                 + "further incomplete rows are only counted)", [("NAZAR_EVENT", "row_incomplete"), ("NAZAR_HOST", state.name)])
    }

    func noteNonFinite(_ state: HostState, feature: Int) {
        state.nonFiniteRows += 1
        guard !state.warnedNonFinite else { return }
        state.warnedNonFinite = true
        host.log(.warning, "\(state.name): skipped a row where \(config.metrics[feature].text) is NaN, infinite or beyond float32 "
                 + "(further ones are only counted)", [("NAZAR_EVENT", "row_non_finite"), ("NAZAR_HOST", state.name)])
    }

    func noteLate(_ state: HostState) {
        state.latePoints += 1
        guard !state.warnedLate else { return }
        state.warnedLate = true
        host.log(.warning, "\(state.name): ignored a point older than the row being assembled (further ones are only counted)",
                 [("NAZAR_EVENT", "point_late"), ("NAZAR_HOST", state.name)])
    }

    // MARK: persistence

    mutating func loadPersistedModels() {
        guard let store else { return }
        for path in store.modelFiles() {
            let result: Result<(host: String, model: TrainedModel), ModelFileError>
            do throws(ModelFileError) {
                result = store.decode(try FileIO.read(path), path: path)
            } catch {
                result = .failure(error)
            }
            switch result {
            case let .success((name, model)):
                guard model.forest.featureCount == config.metrics.count else { continue }
                let state = state(forHost: name)
                state.model = model
                host.log(.info, "loaded model \(config.model) for \(name) (\(model.baselineText)) from \(path)",
                         [("NAZAR_EVENT", "model_loaded"), ("NAZAR_HOST", name)])
            case let .failure(error):
                host.log(.warning, "ignoring model file \(error); it will be relearnt",
                         [("NAZAR_EVENT", "model_ignored"), ("NAZAR_PATH", path)])
            }
        }
    }
}
