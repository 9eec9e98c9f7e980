import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /openapi.json` and `GET /docs`: the contract and a page that renders it, both served from the binary.
struct OpenAPIController {
    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("openapi.json") { _, _ in
            JSONResponseEncoder.response(OpenAPIDocument.served.bytes)
        }
        routes.get("docs") { _, _ in
            var buffer = ByteBufferAllocator().buffer(capacity: DocsPage.html.utf8.count)
            buffer.writeString(DocsPage.html)
            var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
            // The page loads nothing from elsewhere; say so to the browser as well.
            headers[HTTPField.Name("Content-Security-Policy")!] =
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
        }
        return routes
    }
}
