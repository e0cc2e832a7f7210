import HTTPTypes
import Hummingbird
import NIOCore

/// The dashboard: `/` (index.html), `/dashboard/…` (its modules and styles) and
/// `/static/chart.js` (Debian's Chart.js). Open without a key: the files hold no data;
/// every API call the page makes is authorised on its own.
enum DashboardRoutes {
    static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        let files = DashboardFiles.locate()
        router.get("/") { _, _ in try serve(files, "index.html") }
        // One route per depth (the dashboard's tree is at most three deep), so each has a
        // plain OpenAPI path template.
        for depth in 1...3 {
            let names = (1...depth).map { "p\($0)" }
            router.get(RouterPath("/dashboard/" + names.map { "{\($0)}" }.joined(separator: "/"))) { _, context in
                try serve(files, names.map { context.parameters.get($0) ?? "" }.joined(separator: "/"))
            }
        }
        router.get("/static/chart.js") { _, _ in
            guard let bytes = files.chart() else {
                throw APIError.notFound("\(files.chartJS) is missing: install Debian's libjs-chart.js")
            }
            return response(bytes, type: "text/javascript; charset=utf-8")
        }
    }

    static func serve(_ files: DashboardFiles, _ path: String) throws(APIError) -> Response {
        guard files.directory != nil else {
            throw APIError.notFound("dashboard files not found (looked in $NAZAR_DASHBOARD_DIR, \(DashboardFiles.installedDirectory) and share/dashboard above the executable)")
        }
        guard let bytes = files.file(path) else { throw APIError.notFound("no dashboard file '\(path)'") }
        return response(bytes, type: DashboardFiles.contentType(path))
    }

    static func response(_ bytes: [UInt8], type: String) -> Response {
        // no-cache: revalidate each load, so a package upgrade shows at once.
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

