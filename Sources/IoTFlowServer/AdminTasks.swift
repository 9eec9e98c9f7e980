import IoTFlowCore
import IoTFlowStorage
import Logging
import Synchronization

/// One-off operator tasks run by the CLI against the configured stores.
public enum AdminTasks {
    /// Applies pending schema migrations and returns the schema version.
    public static func migrate(configuration: AppConfiguration, logger: Logger) async throws {
        let stores = try await EmbeddedStores.open(configuration: configuration, logger: logger)
        await stores.database.close()
    }

    /// Creates a user (optionally an admin) and returns its numeric and public ids.
    public static func createUser(
        configuration: AppConfiguration, username: String, email: String, password: String, isAdmin: Bool, logger: Logger
    ) async throws -> (id: Int64, publicID: String) {
        let stores = try await EmbeddedStores.open(configuration: configuration, logger: logger)
        let events = DirectEventRecorder()
        let deps = Dependencies(
            registry: stores.registry, telemetry: stores.telemetry, cache: stores.cache, events: events, eventStore: stores.events,
            passwords: BcryptPasswordHasher(cost: configuration.bcryptCost), writer: DirectTelemetryWriter(store: stores.telemetry)
        )
        do {
            let user = try await AccountService(deps).createUser(username: username, email: email, password: password, isAdmin: isAdmin)
            try? await stores.events.append(events.drain())
            await stores.database.close()
            return (user.id, user.publicID)
        } catch {
            await stores.database.close()
            throw error
        }
    }
}

/// Collects events in memory for a one-off task that writes them itself.
final class DirectEventRecorder: EventRecorder {
    private let events = Mutex<[Event]>([])

    func record(_ event: Event) {
        self.events.withLock { $0.append(event) }
    }

    func queueStatistics() -> EventQueueStatistics {
        EventQueueStatistics(depth: self.events.withLock { $0.count }, dropped: 0)
    }

    func drain() -> [Event] {
        self.events.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }
}

/// Writes straight to the store, one transaction per call, for one-off tasks and the raw-insert baseline.
struct DirectTelemetryWriter: TelemetryWriter {
    let store: any TelemetryStore

    func submit(_ write: TelemetryWrite) async throws {
        try await self.store.write([write])
    }
}
