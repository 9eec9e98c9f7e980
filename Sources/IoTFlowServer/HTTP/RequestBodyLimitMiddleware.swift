import HTTPTypes
import Hummingbird
import IoTFlowCore
import NIOCore

/// Enforces API.md's 4 MiB body limit on every route, including those that read no body: a declared length
/// above the limit is refused before reading, and a body without a length is read up to the limit (the
/// handlers then read the buffered body, not the network).
struct RequestBodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// Largest accepted body.
    static let maxBytes = 4 * 1024 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength], let bytes = Int(length) {
            guard bytes <= Self.maxBytes else { throw Self.tooLarge }
            // A declared length within the limit: the handler may read the body as it streams in.
            return try await next(request, context)
        }
        if request.headers[.transferEncoding] == nil {
            return try await next(request, context)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: Self.maxBytes)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge
        }
        return try await next(request, context)
    }

    static let tooLarge = IoTFlowError(.payloadTooLarge, "Payload too large", "The body must be at most 4 MiB.")
}
