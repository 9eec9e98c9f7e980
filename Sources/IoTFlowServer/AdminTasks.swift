import IoTFlowCore
import IoTFlowStorage
import Logging
import ServiceLifecycle
import Synchronization

/// One-off operator tasks run by the CLI against the configured stores.
public enum AdminTasks {
    /// Applies pending schema migrations and returns the schema version.
    public static func migrate(configuration: AppConfiguration, logger: Logger) async throws {
        try await withStores(configuration: configuration, logger: logger) { _ in }
    }

    /// Creates a user (optionally an admin) and returns its numeric and public ids.
    public static func createUser(
        configuration: AppConfiguration, username: String, email: String, password: String, isAdmin: Bool, logger: Logger
    ) async throws -> (id: Int64, publicID: String) {
        try await withStores(configuration: configuration, logger: logger) { stores in
            let events = DirectEventRecorder()
            let deps = Dependencies(
                accounts: stores.accounts, devices: stores.devices, groups: stores.groups, telemetry: stores.telemetry, cache: stores.cache,
                events: events, eventStore: stores.events, alertRules: stores.alertRules, alerts: stores.alerts,
                passwords: BcryptPasswordHasher(
                    cost: configuration.bcryptCost, threads: configuration.bcryptThreads, cpuPercent: configuration.bcryptCPUPercent),
                writer: DirectTelemetryWriter(store: stores.telemetry)
            )
            let user = try await AccountService(deps).createUser(username: username, email: email, password: password, isAdmin: isAdmin)
            try? await stores.events.append(events.drain())
            return (user.id, user.publicID)
        }
    }

    /// Opens the configured stores with their services running and prepared (migrated), runs `body`,
    /// then shuts the services down.
    static func withStores<T: Sendable>(
        configuration: AppConfiguration, logger: Logger, _ body: @escaping @Sendable (StoreSet) async throws -> T
    ) async throws -> T {
        let stores = try await StoreSet.open(configuration: configuration.storeConfiguration, logger: logger)
        let outcome = ResultBox<T>()
        let task = TaskService(logger: logger) {
            do {
                try await stores.prepare()
                outcome.set(.success(try await body(stores)))
            } catch {
                outcome.set(.failure(error))
                throw error
            }
        }
        let group = ServiceGroup(
            configuration: .init(
                services: stores.services.map { .init(service: $0) }
                    + [
                        .init(
                            service: task, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
                    ],
                logger: logger
            )
        )
        // A failure of the task is reported from the box (the group may report it as a shutdown cause).
        do {
            try await group.run()
        } catch {
            _ = try outcome.get()
            throw error
        }
        return try outcome.get()
    }
}

/// Runs one piece of work as a service, recording its failure for the caller.
private struct TaskService: Service {
    let logger: Logger
    let work: @Sendable () async throws -> Void

    func run() async throws {
        try await self.work()
    }
}

/// Carries a result out of a service group.
private final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)

    func set(_ result: Result<T, any Error>) {
        self.value.withLock { $0 = result }
    }

    func get() throws -> T {
        guard let result = self.value.withLock({ $0 }) else { throw ConfigurationError(message: "the task did not finish") }
        return try result.get()
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
