import Hummingbird
import IoTFlowCore
import Logging

/// Turns every error into a JSON answer, so the middlewares outside it (metrics, contract checks) see the
/// status clients get: client errors through their ``HTTPResponseError`` conformance, the router's "no such
/// route" as a JSON 404, and anything else as a 500 that shows nothing of the failure.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as IoTFlowError {
            if error.kind == .unavailable {
                context.logger.warning("store unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(error.message)"])
            }
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return Self.response(for: error)
        } catch {
            // Never shown to the client: driver and SQL messages can reveal internals.
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return ErrorBody(error: "Internal server error", message: "The server could not complete the request; try again later.")
                .response(status: .internalServerError)
        }
    }

    /// Hummingbird's own errors (no route, body too large for its parser) in API.md's shape.
    private static func response(for error: any HTTPResponseError) -> Response {
        switch error.status {
        case .notFound:
            return ErrorBody(error: "Not found", message: "No such endpoint; see GET / or GET /docs for the list.").response(status: .notFound)
        case .contentTooLarge:
            return ErrorBody(error: "Payload too large", message: "The body must be at most 4 MiB.").response(status: .contentTooLarge)
        default:
            return ErrorBody(error: error.status.reasonPhrase, message: "The request could not be served (\(error.status.code)).")
                .response(status: error.status)
        }
    }
}
