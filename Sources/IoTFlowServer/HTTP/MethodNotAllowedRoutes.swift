import Hummingbird
import IoTFlowCore

/// Answers 405 (JSON, with `Allow`) for a known path with a method it does not serve, by registering a
/// responder for every other method on each path the router already has, so the router's own match decides.
enum MethodNotAllowedRoutes {
    /// The methods a path may be called with wrongly (HEAD follows GET automatically): those of RFC 9110 that a
    /// resource may serve, and QUERY (the safe method with a body that HTTP is adding).
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]

    /// Adds the 405 responders; call after every route is registered.
    static func add(to router: Router<AppRequestContext>) {
        let served = Dictionary(grouping: router.routes.filter { $0.method != .head }, by: { $0.path.description })
        for (_, routes) in served {
            let allowed = routes.map(\.method)
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            for method in Self.methods where !allowed.contains(method) {
                router.on(routes[0].path, method: method) { _, _ -> Response in
                    var headers = HTTPFields()
                    headers[.allow] = allow
                    return ErrorBody(error: "Method not allowed", message: "Use \(allow) on this path.")
                        .response(status: .methodNotAllowed, headers: headers)
                }
            }
        }
    }
}
