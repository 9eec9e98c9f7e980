import Hummingbird
import IoTFlowCore

/// Answers 503 when a request takes longer than `timeout`, cancelling its work. Without it a request
/// waiting for a connection to an unreachable database would hang until the pool gives up.
struct DeadlineMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let deadlines: RequestDeadlines

    init(timeout: Duration) {
        self.deadlines = RequestDeadlines(timeout: timeout)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            // The handler runs in a child task, so cancelling it at the deadline leaves the connection's task (which
            // still writes the 503) alone. The child never outlives this call: the group awaits it, and cancellation
            // reaches the connection pool's waiting lease, which gives up at once.
            nonisolated(unsafe) let handler = next
            return try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask {
                    let (result, expired) = await self.deadlines.run { try await handler(request, context) }
                    if expired, case .failure = result {
                        throw IoTFlowError.unavailable("The request did not complete in time; a data store may be unavailable. Retry shortly.")
                    }
                    return try result.get()
                }
                return try await group.next()!
            }
        }
    }
}
