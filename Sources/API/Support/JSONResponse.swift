import Hummingbird
import HTTPTypes
import NIOCore

/// A JSON response whose body `fill` writes.
func jsonResponse(_ status: HTTPResponse.Status, _ fill: (inout JSONWriter) -> Void) -> Response {
    var w = JSONWriter()
    fill(&w)
    return Response(status: status, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: w.bytes)))
}
