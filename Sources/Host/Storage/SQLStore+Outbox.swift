/// The outbox queries the delivery workers and `nazarctl alerts` need beyond enqueue/mark.
extension SQLStore {
    private static let entryColumns =
        "id, notifier, fingerprint, payload, state, attempts, next_attempt_at, last_error, created_at, COALESCE(delivered_at, 0), lease_until"

    private static func entry(_ row: [SQLValue]) -> OutboxEntry {
        OutboxEntry(id: row[0].int ?? 0, notifier: row[1].text, fingerprint: UInt64(bitPattern: row[2].int ?? 0),
                    payload: row[3].text, state: OutboxEntry.State(rawValue: row[4].text) ?? .pending,
                    attempts: Int(row[5].int ?? 0), nextAttemptAt: row[6].int ?? 0, lastError: row[7].text,
                    createdAt: row[8].int ?? 0, deliveredAt: row[9].int ?? 0)
    }

    func leaseHeadNotification(notifier: String, now: Int64, leaseFor: Int64) throws(StorageError) -> OutboxHead {
        try locked { () throws(StorageError) in
            try transaction("lease head notification for \(notifier)") { () throws(StorageError) in
                let rows = try driver.query("""
                    SELECT \(Self.entryColumns) FROM outbox
                    WHERE notifier = $1 AND state IN ('pending', 'leased') ORDER BY id LIMIT 1
                    """, [.text(notifier)], operation: "find head notification for \(notifier)")
                guard let row = rows.first else { return .empty }
                var head = Self.entry(row)
                let leaseUntil = row[10].int ?? 0
                if head.state == .leased && leaseUntil > now { return .notBefore(leaseUntil) }
                if head.state == .pending && head.nextAttemptAt > now { return .notBefore(head.nextAttemptAt) }
                try driver.query("UPDATE outbox SET state = 'leased', lease_until = $2 WHERE id = $1",
                                 [.int(head.id), .int(now + leaseFor)], operation: "lease notification \(head.id)")
                head.state = .leased
                return .leased(head)
            }
        }
    }

    func releaseNotificationLeases() throws(StorageError) -> Int {
        try locked { () throws(StorageError) in
            let rows = try driver.query("UPDATE outbox SET state = 'pending', lease_until = 0 WHERE state = 'leased' RETURNING id",
                                        [], operation: "release notification leases")
            return rows.count
        }
    }

    func outboxEntries(_ filter: OutboxFilter) throws(StorageError) -> [OutboxEntry] {
        guard filter.limit > 0 else { throw .invalidArgument(field: "limit", reason: "must be positive, got \(filter.limit)") }
        var sql = "SELECT \(Self.entryColumns) FROM outbox WHERE 1 = 1"
        var p: [SQLValue] = []
        if let n = filter.notifier {
            p.append(.text(n))
            sql += " AND notifier = $\(p.count)"
        }
        if let since = filter.since {
            p.append(.int(since))
            sql += " AND created_at >= $\(p.count)"
        }
        if let fp = filter.fingerprint {
            p.append(.int(Int64(bitPattern: fp)))
            sql += " AND fingerprint = $\(p.count)"
        }
        if !filter.states.isEmpty {
            // The states are a closed enum: spelled inline, never user text.
            sql += " AND state IN (\(filter.states.map { "'\($0.rawValue)'" }.joined(separator: ", ")))"
        }
        p.append(.int(Int64(filter.limit)))
        sql += " ORDER BY id DESC LIMIT $\(p.count)"
        let parameters = p
        return try locked { () throws(StorageError) in
            try driver.query(sql, parameters, operation: "list outbox").map(Self.entry)
        }
    }

    func undeliveredNotificationCounts() throws(StorageError) -> [String: Int] {
        try locked { () throws(StorageError) in
            var out: [String: Int] = [:]
            for row in try driver.query("""
                SELECT notifier, count(*) FROM outbox WHERE state IN ('pending', 'leased') GROUP BY notifier
                """, [], operation: "count undelivered notifications") {
                out[row[0].text] = Int(row[1].int ?? 0)
            }
            return out
        }
    }

    func deleteFinishedNotifications(before: Int64) throws(StorageError) -> Int {
        try locked { () throws(StorageError) in
            try driver.query("""
                DELETE FROM outbox WHERE (state = 'delivered' AND delivered_at < $1) OR (state = 'failed' AND created_at < $1)
                RETURNING id
                """, [.int(before)], operation: "delete finished notifications").count
        }
    }
}
