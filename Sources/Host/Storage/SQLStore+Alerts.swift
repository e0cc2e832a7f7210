extension SQLStore {
    func appendAlerts(_ records: [AlertRecord]) throws(StorageError) -> [Int64] {
        guard !records.isEmpty else { return [] }
        let sql = """
            INSERT INTO alert_history (ts, fingerprint, rule, severity, state, labels, summary, value, starts_at, source)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
            """
        return try locked { () throws(StorageError) in
            try transaction("append \(records.count) alerts") { () throws(StorageError) in
                var ids: [Int64] = []
                for r in records {
                    let rows = try driver.query(sql, [
                        .int(r.timestamp), .int(Int64(bitPattern: r.fingerprint)), .text(r.rule), .text(r.severity),
                        .text(r.state), .text(LabelText.json(r.labels)), .text(r.summary),
                        r.value.isFinite ? .double(r.value) : .null, .int(r.startsAt), .text(r.source),
                    ], operation: "append alert \(r.rule)")
                    ids.append(rows.first?[0].int ?? 0)
                }
                return ids
            }
        }
    }

    func alertHistory(_ filter: AlertHistoryFilter) throws(StorageError) -> [AlertRecord] {
        guard filter.limit > 0 else { throw .invalidArgument(field: "limit", reason: "must be positive, got \(filter.limit)") }
        var sql = "SELECT id, fingerprint, rule, severity, state, labels, summary, value, ts, starts_at, source FROM alert_history WHERE 1 = 1"
        var p: [SQLValue] = []
        func add(_ condition: String, _ value: SQLValue) {
            p.append(value)
            sql += " AND \(condition) $\(p.count)"
        }
        if let v = filter.from { add("ts >=", .int(v)) }
        if let v = filter.to { add("ts <", .int(v)) }
        if let v = filter.rule { add("rule =", .text(v)) }
        if let v = filter.severity { add("severity =", .text(v)) }
        if let v = filter.state { add("state =", .text(v)) }
        if let v = filter.fingerprint { add("fingerprint =", .int(Int64(bitPattern: v))) }
        let regexes = try appendMatchers(filter.matchers, labelsColumn: "labels", metricColumn: nil, to: &sql, parameters: &p)
        sql += " ORDER BY ts DESC, id DESC"
        // With regex matchers the limit applies after they filter the rows.
        if regexes.isEmpty {
            p.append(.int(Int64(filter.limit)))
            sql += " LIMIT $\(p.count)"
        }
        let parameters = p
        return try locked { () throws(StorageError) in
            var out: [AlertRecord] = []
            for row in try driver.query(sql, parameters, operation: "query alert history") {
                if out.count == filter.limit { break }
                let record = AlertRecord(
                    id: row[0].int ?? 0, fingerprint: UInt64(bitPattern: row[1].int ?? 0), rule: row[2].text,
                    severity: row[3].text, state: row[4].text,
                    labels: try LabelText.parse(row[5].text, context: "alert history"), summary: row[6].text,
                    value: row[7].double, timestamp: row[8].int ?? 0, startsAt: row[9].int ?? 0, source: row[10].text)
                if regexes.allSatisfy({ $0.matches(metric: "", labels: record.labels) }) { out.append(record) }
            }
            return out
        }
    }

    // MARK: Silences

    func createSilence(_ silence: Silence) throws(StorageError) -> Int64 {
        guard silence.endsAt > silence.startsAt else {
            throw .invalidArgument(field: "silence.ends_at", reason: "must be after starts_at")
        }
        guard !silence.matchers.isEmpty else {
            throw .invalidArgument(field: "silence.matchers", reason: "a silence needs at least one matcher")
        }
        for m in silence.matchers where !LabelText.isValidKey(m.key) {
            throw .invalidArgument(field: "silence matcher '\(m.key)'", reason: "label keys are [a-zA-Z_][a-zA-Z0-9_]*")
        }
        return try locked { () throws(StorageError) in
            let rows = try driver.query("""
                INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment) VALUES ($1, $2, $3, $4, $5) RETURNING id
                """, [.text(LabelText.matchersJSON(silence.matchers)), .int(silence.startsAt), .int(silence.endsAt),
                      .text(silence.createdBy), .text(silence.comment)], operation: "create silence")
            return rows.first?[0].int ?? 0
        }
    }

    func expireSilence(id: Int64, at: Int64) throws(StorageError) {
        try locked { () throws(StorageError) in
            try driver.query("UPDATE silences SET ends_at = $2 WHERE id = $1 AND ends_at > $2", [.int(id), .int(at)],
                             operation: "expire silence \(id)")
        }
    }

    func activeSilences(at: Int64) throws(StorageError) -> [Silence] {
        try locked { () throws(StorageError) in
            var out: [Silence] = []
            for row in try driver.query("""
                SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences
                WHERE starts_at <= $1 AND ends_at > $1 ORDER BY id
                """, [.int(at)], operation: "list active silences") {
                out.append(Silence(id: row[0].int ?? 0, matchers: try LabelText.parseMatchers(row[1].text, context: "silences"),
                                   startsAt: row[2].int ?? 0, endsAt: row[3].int ?? 0, createdBy: row[4].text, comment: row[5].text))
            }
            return out
        }
    }

    // MARK: Outbox

    func enqueueNotification(notifier: String, fingerprint: UInt64, payload: String, at: Int64) throws(StorageError) -> Int64 {
        try locked { () throws(StorageError) in
            try driver.query("""
                INSERT INTO outbox (notifier, fingerprint, payload, state, attempts, next_attempt_at, lease_until, last_error, created_at)
                VALUES ($1, $2, $3, 'pending', 0, $4, 0, '', $4) RETURNING id
                """, [.text(notifier), .int(Int64(bitPattern: fingerprint)), .text(payload), .int(at)],
                operation: "enqueue notification for \(notifier)").first?[0].int ?? 0
        }
    }

    func leaseNextNotification(notifier: String, now: Int64, leaseFor: Int64) throws(StorageError) -> OutboxEntry? {
        try locked { () throws(StorageError) in
            let rows = try driver.query("""
                UPDATE outbox SET state = 'leased', lease_until = $3 WHERE id = (
                  SELECT id FROM outbox WHERE notifier = $1
                    AND ((state = 'pending' AND next_attempt_at <= $2) OR (state = 'leased' AND lease_until <= $2))
                  ORDER BY next_attempt_at, id LIMIT 1 \(driver.dialect.leaseLock))
                RETURNING id, notifier, fingerprint, payload, state, attempts, next_attempt_at, last_error
                """, [.text(notifier), .int(now), .int(now + leaseFor)], operation: "lease notification for \(notifier)")
            guard let row = rows.first else { return nil }
            return OutboxEntry(id: row[0].int ?? 0, notifier: row[1].text, fingerprint: UInt64(bitPattern: row[2].int ?? 0),
                               payload: row[3].text, state: OutboxEntry.State(rawValue: row[4].text) ?? .leased,
                               attempts: Int(row[5].int ?? 0), nextAttemptAt: row[6].int ?? 0, lastError: row[7].text)
        }
    }

    func markDelivered(id: Int64, at: Int64) throws(StorageError) {
        try locked { () throws(StorageError) in
            try driver.query("UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = $2 WHERE id = $1",
                             [.int(id), .int(at)], operation: "mark notification \(id) delivered")
        }
    }

    func markFailed(id: Int64, error: String, retryAt: Int64?) throws(StorageError) {
        try locked { () throws(StorageError) in
            if let retryAt {
                try driver.query("UPDATE outbox SET state = 'pending', attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1",
                                 [.int(id), .int(retryAt), .text(error)], operation: "reschedule notification \(id)")
            } else {
                try driver.query("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1",
                                 [.int(id), .text(error)], operation: "fail notification \(id)")
            }
        }
    }
}
