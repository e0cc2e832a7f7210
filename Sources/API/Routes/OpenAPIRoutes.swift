import Hummingbird

/// `/openapi.json`: the API's OpenAPI 3.1 document (open, like a man page).
enum OpenAPIRoutes {
    static func register(on router: Router<APIRequestContext>, context api: APIContext) {
        let document = ByteBuffer(bytes: OpenAPIDocument.render())
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document))
        }
    }
}
