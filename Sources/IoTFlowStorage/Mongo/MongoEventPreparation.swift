import IoTFlowCore
import Logging
import MongoNIO
import ServiceLifecycle

/// Creates the indexes of the event log and the alerts once MongoDB answers. The events role is not primary: the server starts and
/// serves while MongoDB is down (events wait in the writer's queue), so this retries in the background with
/// backoff instead of holding up the start.
struct MongoEventPreparation: Service {
    let client: MongoClient
    let settings: MongoSettings
    let logger: Logger

    func run() async throws {
        var delay: Duration = .milliseconds(200)
        var warned = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await MongoEventSchema.prepare(client: self.client, settings: self.settings, logger: self.logger)
                try await MongoAlertSchema.prepare(client: self.client, settings: self.settings, logger: self.logger)
                if warned { self.logger.info("MongoDB answers; event log and alert indexes are in place", metadata: ["mongodb": "\(self.settings)"]) }
                // A service that returns ends the whole service group, so stay until the server shuts down.
                try? await gracefulShutdown()
                return
            } catch {
                if !warned {
                    self.logger.warning(
                        "cannot prepare the event log in MongoDB yet; retrying", metadata: ["mongodb": "\(self.settings)", "error": "\(error)"])
                    warned = true
                }
            }
            let wait = delay
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            delay = min(delay * 2, .seconds(30))
        }
    }
}
