import Host
import Hummingbird
import HTTPTypes
import IngestFormat
import Logging
import NIOCore

/// One ingest request from body to bus: auth, body limit and gzip, parsing, host
/// restriction, rate limit, publish, answer. Shared by `/api/v1/ingest` and the InfluxDB
/// compatible `/write` and `/api/v2/write`.
struct IngestHandler: Sendable {
    enum Format: Sendable { case json, lineProtocol(TimePrecision) }
    /// How success and partial failure are answered.
    enum Dialect: Sendable {
        /// 202 `{"accepted":N}`; 400 with the refused points listed.
        case nazar
        /// InfluxDB's: 204 on success; 400 `{"error":"partial write: …"}` otherwise, which
        /// Telegraf's influxdb outputs treat as "drop the bad points, do not retry".
        case influx
    }

    let api: APIContext

    func handle(_ request: Request, _ context: APIRequestContext, format: Format, dialect: Dialect) async throws -> Response {
        try context.require(.ingest)
        let key = context.principal.key
        let receivedAt = wallClockNanoseconds()
        let body = try await RequestBody.collect(request, limit: api.settings.maxBodyBytes)
        let registry = api.daemon.bus.registry
        var sink = BusIngestSink(registry: registry, host: key?.host, receivedAt: receivedAt,
                                 expectedPoints: min(body.readableBytes / 24, 1 << 20))
        let result: IngestResult = body.withUnsafeReadableBytes { raw in
            switch format {
            case .json: return JSONIngestParser().parse(raw, into: &sink)
            case let .lineProtocol(precision): return LineProtocolParser(precision: precision).parse(raw, into: &sink)
            }
        }
        let keyID = context.principal.logID
        if let key, !sink.points.isEmpty,
           let wait = api.rateLimiter.take(keyID: key.id, points: sink.points.count,
                                           rate: key.rate ?? api.settings.ratePointsPerSecond,
                                           burst: max(api.settings.rateBurst, key.rate ?? 0)) {
            context.logger.warning("ingest refused: key \(keyID) over its rate limit",
                                   metadata: ["nazar_event": "api_rate_limited", "key_id": "\(keyID)",
                                              "points": "\(sink.points.count)"])
            api.metrics.ingest(accepted: 0, refused: result.points, bodyBytes: body.readableBytes)
            throw APIError(.tooManyRequests, "key \(keyID) is over its rate limit; retry in \(wait)s", retryAfter: wait)
        }
        if !sink.points.isEmpty {
            let dropped = sink.points.withUnsafeBufferPointer { api.daemon.bus.publish($0) }
            if dropped > 0 {
                // A subscriber (the storage writer, mostly) stayed full for all of
                // [bus] block_timeout. Answering 202 would tell the client to forget points
                // that were dropped; 503 makes agents and Telegraf send the batch again, and
                // the copies that did get through are absorbed by the store's idempotence.
                context.logger.warning("bus dropped \(dropped) ingested point copies (a subscriber's queue is full); answered 503",
                                       metadata: ["nazar_event": "ingest_dropped", "key_id": "\(keyID)"])
                api.metrics.ingest(accepted: 0, refused: result.refusedCount, bodyBytes: body.readableBytes)
                throw APIError(.serviceUnavailable,
                               "overloaded: \(dropped) point copies could not be queued within [bus] block_timeout (a subscriber such as the storage writer is behind); send the batch again (stored points are not duplicated)",
                               retryAfter: 1)
            }
        }
        let refused = result.refusedCount
        api.metrics.ingest(accepted: result.accepted, refused: refused, bodyBytes: body.readableBytes)
        if refused > 0 || result.fatal != nil {
            let first = result.fatal ?? result.refusals.first
            context.logger.warning("ingest: \(refused) point\(refused == 1 ? "" : "s") refused, \(result.accepted) accepted: \(first.map { "\($0)" } ?? "")",
                                   metadata: ["nazar_event": "ingest_refused", "key_id": "\(keyID)",
                                              "host_refused": "\(sink.hostRefusals)"])
        }
        return respond(result, dialect: dialect)
    }

    private func respond(_ result: IngestResult, dialect: Dialect) -> Response {
        let clean = result.refusedCount == 0 && result.fatal == nil
        switch dialect {
        case .influx:
            if clean { return Response(status: .noContent) }
            let first = result.fatal ?? result.refusals.first
            let message = "partial write: \(result.refusedCount + (result.fatal == nil ? 0 : 1)) problem(s), \(result.accepted) point(s) accepted; first: \(first.map { "\($0)" } ?? "")"
            return jsonResponse(.badRequest) { w in
                w.objectStart()
                w.key("error"); w.string(message)
                writeDetails(&w, result)
                w.objectEnd()
            }
        case .nazar:
            if clean {
                return jsonResponse(.accepted) { w in w.objectStart(); w.key("accepted"); w.int(result.accepted); w.objectEnd() }
            }
            return jsonResponse(.badRequest) { w in
                w.objectStart()
                w.key("error")
                if let fatal = result.fatal {
                    w.string(fatal.reason)
                } else {
                    w.string("\(result.refusedCount) of \(result.points) points refused")
                }
                writeDetails(&w, result)
                w.objectEnd()
            }
        }
    }

    private func writeDetails(_ w: inout JSONWriter, _ result: IngestResult) {
        if let fatal = result.fatal {
            w.key("line"); w.int(fatal.line)
            w.key("column"); w.int(fatal.column)
        } else if let first = result.refusals.first {
            w.key("line"); w.int(first.line)
        }
        w.key("accepted"); w.int(result.accepted)
        w.key("refused_count"); w.int(result.refusedCount)
        w.key("refused")
        w.arrayStart()
        for r in result.refusals {
            w.objectStart()
            w.key("index"); w.int(r.index)
            w.key("line"); w.int(r.line)
            w.key("column"); w.int(r.column)
            w.key("reason"); w.string(r.reason)
            w.objectEnd()
        }
        w.arrayEnd()
    }
}
