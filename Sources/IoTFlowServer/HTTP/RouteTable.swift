import Hummingbird
import Synchronization

/// The method and path templates the router serves, so a known path with the wrong method can be
/// answered 405 instead of the router's 404.
final class RouteTable: Sendable {
    private let routes = Mutex<[(method: HTTPRequest.Method, segments: [Substring])]>([])

    /// Records a route; `{name}` segments match anything.
    func add(_ method: HTTPRequest.Method, _ path: String) {
        let segments = path.split(separator: "/")
        self.routes.withLock { $0.append((method, segments)) }
    }

    /// Methods registered for a concrete path; empty when no template matches it.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/")
        return self.routes.withLock { routes in
            routes.filter { route in
                route.segments.count == parts.count
                    && zip(route.segments, parts).allSatisfy { template, part in template.hasPrefix("{") || template == part }
            }.map(\.method)
        }
    }
}

extension RouterMethods where Context == AppRequestContext {
    /// Adds a route and records it in `table`.
    @discardableResult
    func on(
        _ table: RouteTable, _ prefix: String, _ path: String, method: HTTPRequest.Method,
        use handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> Self {
        table.add(method, prefix + (path.isEmpty ? "" : "/" + path))
        return self.on(RouterPath(path), method: method, use: handler)
    }
}
