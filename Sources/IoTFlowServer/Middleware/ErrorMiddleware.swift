import Hummingbird
import IoTFlowCore
import Logging
import NIOCore
import PostgresNIO
import _ConnectionPoolModule

/// Turns every error into the JSON shape of API.md; unexpected errors are logged and become a bare 500.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as IoTFlowError {
            return Self.response(for: error)
        } catch let error as any HTTPResponseError {
            return self.response(for: error, request: request)
        } catch let error where Self.isStoreUnavailable(error) {
            context.logger.warning("store unavailable", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return Self.response(for: .unavailable("A data store needed for this request is unavailable; retry shortly."))
        } catch {
            // Never shown to the client: driver and SQL messages can reveal internals.
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return JSONBody.response(
                ["error": "Internal server error", "message": "The server could not complete the request; try again later."],
                status: .internalServerError
            )
        }
    }

    /// Connection-level failures of a database (as opposed to a bad query) mean "try again later".
    static func isStoreUnavailable(_ error: any Error) -> Bool {
        if error is ConnectionPoolError { return true }
        guard let error = error as? PSQLError else { return false }
        guard error.code == .server else { return true }
        // SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57 (operator
        // intervention, e.g. shutdown) are the server's way of saying it cannot serve right now.
        let state = error.serverInfo?[.sqlState] ?? ""
        return state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57")
    }

    static func response(for error: IoTFlowError) -> Response {
        var headers = HTTPFields()
        let status: HTTPResponse.Status
        switch error.kind {
        case .badRequest: status = .badRequest
        case .unauthorized:
            status = .unauthorized
            headers[.wwwAuthenticate] = "Bearer"
        case .forbidden: status = .forbidden
        case .notFound: status = .notFound
        case .conflict: status = .conflict
        case .payloadTooLarge: status = .contentTooLarge
        case .unsupportedMediaType: status = .unsupportedMediaType
        case .tooManyRequests(let seconds):
            status = .tooManyRequests
            headers[.retryAfter] = String(seconds)
        case .unavailable: status = .serviceUnavailable
        }
        return JSONBody.response(["error": .string(error.title), "message": .string(error.message)], status: status, headers: headers)
    }

    private func response(for error: any HTTPResponseError, request: Request) -> Response {
        switch error.status {
        case .notFound:
            let allowed = self.routes.methods(for: request.uri.path)
            // The router does not backtrack from a literal segment to a parameter, so a path like
            // /devices/user (no id) lands here although a template with this method matches: that is a 404.
            if !allowed.isEmpty, !allowed.contains(request.method) {
                var headers = HTTPFields()
                headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return JSONBody.response(
                    ["error": "Method not allowed", "message": .string("Use \(allowed.map(\.rawValue).joined(separator: " or ")) on this path.")],
                    status: .methodNotAllowed, headers: headers
                )
            }
            return JSONBody.response(["error": "Not found", "message": "No such endpoint; see GET / for the list."], status: .notFound)
        case .contentTooLarge:
            return JSONBody.response(["error": "Payload too large", "message": "The body must be at most 4 MiB."], status: .contentTooLarge)
        default:
            let title = error.status.reasonPhrase
            return JSONBody.response(
                ["error": .string(title), "message": .string("The request could not be served (\(error.status.code)).")], status: error.status)
        }
    }
}
