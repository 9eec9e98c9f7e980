import Hummingbird
import IoTFlowCore
import Logging

/// Holds every answer to the document: a status the document does not list for the operation becomes a 500
/// naming the mismatch, so any test that provokes an undocumented answer fails loudly. Enabled by
/// ``AppConfiguration/checkContract`` (the test suites turn it on); production serves answers unchanged.
struct ContractCheckMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let document: OpenAPIDocument.Served

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        // HEAD mirrors GET; 405 belongs to paths, not operations; unknown paths have no operation.
        guard request.method != .head, response.status != .methodNotAllowed, let path = context.endpointPath, path != "NotFound" else {
            return response
        }
        let template = path.hasPrefix("/") ? path : "/" + path
        guard let operation = self.document.operation(method: request.method.rawValue, path: template) else {
            return Self.violation("\(request.method) \(template) is served but not in the OpenAPI document", context: context)
        }
        let status = String(response.status.code)
        guard operation.statuses.contains(status) || operation.statuses.contains("default") else {
            return Self.violation(
                "\(request.method) \(template) answered \(status), which the OpenAPI document does not list (\(operation.statuses.sorted()))",
                context: context)
        }
        return response
    }

    private static func violation(_ message: String, context: Context) -> Response {
        context.logger.error("contract violation", metadata: ["detail": "\(message)"])
        return ErrorBody(error: "Contract violation", message: message).response(status: .internalServerError)
    }
}
