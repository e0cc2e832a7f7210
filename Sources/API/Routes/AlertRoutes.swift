import Foundation
import Host
import Hummingbird

/// Alerts (firing now, or the stored history) and silences. Reads need the read scope;
/// creating and expiring silences the admin scope. Cold routes: Foundation JSON is fine
/// for the silence body.
enum AlertRoutes {
    static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        router.get("/api/v1/alerts") { request, context in
            try context.require(.read)
            let state = request.query("state") ?? "firing"
            switch state {
            case "firing":
                let firing = api.alerts.firing().sorted { $0.startsAt < $1.startsAt }
                return jsonResponse(.ok) { w in
                    w.objectStart()
                    w.key("alerts"); w.arrayStart()
                    for a in firing { writeAlert(&w, a) }
                    w.arrayEnd()
                    w.objectEnd()
                }
            case "all", "resolved":
                let now = wallClockNanoseconds()
                var filter = AlertHistoryFilter()
                filter.from = try request.query("from").map { v throws(APIError) in try RequestTime.parse(v, now: now, field: "from") }
                filter.to = try request.query("to").map { v throws(APIError) in try RequestTime.parse(v, now: now, field: "to") }
                filter.rule = request.query("rule")
                filter.severity = request.query("severity")
                if state == "resolved" { filter.state = "resolved" }
                filter.matchers = try ReadRoutes.matchers(request)
                if let l = request.query("limit") {
                    guard let n = Int(l), (1...10_000).contains(n) else { throw APIError.badRequest("limit='\(l)' is not 1...10000") }
                    filter.limit = n
                }
                let f = filter
                let records = try await api.withStorage { _ throws(StorageError) in try api.alerts.history(f) }
                return jsonResponse(.ok) { w in
                    w.objectStart()
                    w.key("alerts"); w.arrayStart()
                    for r in records { writeRecord(&w, r) }
                    w.arrayEnd()
                    w.objectEnd()
                }
            default:
                throw APIError.badRequest("state='\(state)' is not one of firing, resolved, all")
            }
        }

        router.get("/api/v1/silences") { _, context in
            try context.require(.read)
            let now = wallClockNanoseconds()
            let silences = try await api.withStorage { _ throws(StorageError) in try api.alerts.silences(at: now) }
            return jsonResponse(.ok) { w in
                w.objectStart()
                w.key("silences"); w.arrayStart()
                for s in silences { writeSilence(&w, s) }
                w.arrayEnd()
                w.objectEnd()
            }
        }

        router.post("/api/v1/silences") { request, context in
            try context.require(.admin)
            let body = try await RequestBody.collect(request, limit: 64 << 10)
            let input: SilenceInput
            do {
                input = try JSONDecoder().decode(SilenceInput.self, from: Data(buffer: body))
            } catch {
                throw APIError.badRequest("silence body: \(error) (expected {\"matchers\":\"{host=\\\"web1\\\"}\",\"duration\":\"2h\",\"comment\":\"…\"})")
            }
            let now = wallClockNanoseconds()
            let matchers: [LabelMatcher]
            do { matchers = try LabelMatcher.parseList(input.matchers) } catch { throw APIError.badRequest("matchers: \(error)") }
            guard !matchers.isEmpty else { throw APIError.badRequest("matchers: a silence needs at least one matcher") }
            let starts = try input.startsAt.map { v throws(APIError) in try RequestTime.parse(v, now: now, field: "starts_at") } ?? now
            let ends: Int64
            if let e = input.endsAt {
                ends = try RequestTime.parse(e, now: now, field: "ends_at")
            } else if let d = input.duration {
                ends = starts + (try RequestTime.duration(d, field: "duration"))
            } else {
                throw APIError.badRequest("give ends_at or duration")
            }
            guard ends > starts else { throw APIError.badRequest("ends_at must be after starts_at") }
            let createdBy = input.createdBy ?? context.principal.key.map { "key:\($0.id)" } ?? "api"
            let silence = Silence(matchers: matchers, startsAt: starts, endsAt: ends, createdBy: createdBy, comment: input.comment ?? "")
            let id = try await api.withStorage { _ throws(StorageError) in try api.alerts.createSilence(silence) }
            var stored = silence
            stored.id = id
            context.logger.notice("silence \(id) created by \(createdBy): \(input.matchers)",
                                  metadata: ["nazar_event": "silence_created", "key_id": "\(context.principal.logID)"])
            return jsonResponse(.created) { w in writeSilence(&w, stored) }
        }

        router.delete("/api/v1/silences/{id}") { _, context in
            try context.require(.admin)
            let idText = context.parameters.get("id") ?? ""
            guard let id = Int64(idText) else { throw APIError.badRequest("silence id '\(idText)' is not a number") }
            let now = wallClockNanoseconds()
            try await api.withStorage { _ throws(StorageError) in try api.alerts.expireSilence(id: id, at: now) }
            context.logger.notice("silence \(id) expired", metadata: ["nazar_event": "silence_expired", "key_id": "\(context.principal.logID)"])
            return Response(status: .noContent)
        }
    }

    /// The POST /api/v1/silences body.
    struct SilenceInput: Decodable {
        var matchers: String
        var startsAt: String?
        var endsAt: String?
        var duration: String?
        var createdBy: String?
        var comment: String?

        enum CodingKeys: String, CodingKey {
            case matchers, duration, comment
            case startsAt = "starts_at", endsAt = "ends_at", createdBy = "created_by"
        }
    }

    /// A firing alert has no history id yet: written as its record without one.
    static func writeAlert(_ w: inout JSONWriter, _ a: AlertEvent) {
        writeRecord(&w, AlertRecord(a), withID: false)
    }

    static func writeRecord(_ w: inout JSONWriter, _ r: AlertRecord, withID: Bool = true) {
        w.objectStart()
        if withID { w.key("id"); w.int(r.id) }
        w.key("fingerprint"); w.string(String(r.fingerprint, radix: 16))
        w.key("rule"); w.string(r.rule)
        w.key("severity"); w.string(r.severity)
        w.key("state"); w.string(r.state)
        w.key("labels"); w.labels(r.labels)
        w.key("summary"); w.string(r.summary)
        w.key("value"); w.double(r.value)
        w.key("starts_at"); w.int(r.startsAt)
        w.key("timestamp"); w.int(r.timestamp)
        w.key("source"); w.string(r.source)
        w.objectEnd()
    }

    static func writeSilence(_ w: inout JSONWriter, _ s: Silence) {
        w.objectStart()
        w.key("id"); w.int(s.id)
        w.key("matchers"); w.string("{" + s.matchers.map(\.description).joined(separator: ",") + "}")
        w.key("starts_at"); w.int(s.startsAt)
        w.key("ends_at"); w.int(s.endsAt)
        w.key("created_by"); w.string(s.createdBy)
        w.key("comment"); w.string(s.comment)
        w.objectEnd()
    }
}
