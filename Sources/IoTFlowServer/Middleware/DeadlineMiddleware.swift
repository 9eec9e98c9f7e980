import Hummingbird
import IoTFlowCore

/// Answers 503 when a request takes longer than `timeout`, cancelling its work. Without it a request
/// waiting for a connection to an unreachable database would hang until the pool gives up.
struct DeadlineMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let timeout: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            // The child task never outlives this call: the group awaits it, and cancellation
            // reaches the connection pool's waiting lease, which gives up at once.
            nonisolated(unsafe) let handler = next
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler(request, context) }
                group.addTask {
                    try await Task.sleep(for: self.timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw IoTFlowError.unavailable("The request did not complete in time; a data store may be unavailable. Retry shortly.")
                }
                return response
            }
        }
    }
}
