import Foundation
import Hummingbird
import IoTFlowCore

/// The one place where domain errors become HTTP answers: the status for each kind, the headers it needs,
/// and the `{error, message}` body of API.md.
extension IoTFlowError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self.kind {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .tooManyRequests: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        switch self.kind {
        case .unauthorized: headers[.wwwAuthenticate] = "Bearer"
        case .tooManyRequests(let seconds): headers[.retryAfter] = String(seconds)
        default: break
        }
        return ErrorBody(error: self.title, message: self.message).response(status: self.status, headers: headers)
    }
}

/// The JSON body of every non-2xx answer.
struct ErrorBody: Codable, Sendable {
    /// A short title.
    let error: String
    /// What to do about it.
    let message: String

    func response(status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        // Encoding two strings cannot fail.
        let bytes = (try? JSONResponseEncoder.shared.encode(self)) ?? Data(#"{"error":"Error","message":"Error"}"#.utf8)
        return JSONResponseEncoder.response(bytes, status: status, headers: headers)
    }
}
