import IoTFlowCore
import Logging
import MongoNIO
import NIOSSL

/// Moves the events role of a store set (event log and alerts) to MongoDB; registry, telemetry and cache stay where they were.
enum MongoEvents {
    static func attach(_ settings: MongoSettings, to stores: StoreSet, requestTimeout: Duration, logger: Logger) -> StoreSet {
        var configuration = MongoConfiguration(connectionString: settings.connectionString)
        configuration.requestTimeout = requestTimeout
        let client = MongoClient(configuration: configuration, logger: logger)
        let events = EventMongoStore(client: client, settings: settings)
        logger.info("events in MongoDB", metadata: ["mongodb": "\(settings)"])
        var stores = stores
        stores.events = events
        stores.alerts = AlertMongoStore(client: client, settings: settings)
        // First among the services, so it stops after the event writer's last flush.
        stores.services.insert(client, at: 0)
        stores.services.append(MongoEventPreparation(client: client, settings: settings, logger: logger))
        let preparePrimary = stores.prepare
        stores.prepare = {
            try await preparePrimary()
            // Serve the event log from the first request when MongoDB is there at all; never hold the start for it.
            let deadline = ContinuousClock.now + .seconds(2)
            while (try? await client.ping()) == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        stores.healthChecker = stores.healthChecker.replacing(
            role: "events", with: .init(role: "events", backend: "mongodb", primary: false, ping: { try await events.ping() })
        )
        return stores
    }
}
