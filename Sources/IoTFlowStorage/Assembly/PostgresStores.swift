import IoTFlowCore
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// Registry, telemetry and events in PostgreSQL (one pool), cache in process.
enum PostgresStores {
    static func open(url: DatabaseURL, configuration: StoreConfiguration, logger: Logger) async throws -> StoreSet {
        try await Self.probe(url, logger: logger)
        var clientConfiguration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: try Self.tls(url)
        )
        clientConfiguration.options.maximumConnections = configuration.postgresPoolSize
        clientConfiguration.options.connectTimeout = .seconds(5)
        let database = PostgresDatabase(configuration: clientConfiguration, logger: logger)
        let accounts = AccountPostgresStore(database: database)
        let telemetry = TelemetryPostgresStore(database: database, clock: configuration.clock)
        let events = EventPostgresStore(database: database)
        // Several instances may share this database, and an in-process cache cannot hear another instance
        // rotate a key or write a newer value: devices and latest values are not cached here (lifetime 0),
        // so a rotated key fails at once everywhere. Rate-limit counters still live in the process.
        let cache = InMemoryCache(
            clock: configuration.clock, deviceLifetimeMilliseconds: 0, latestLifetimeMilliseconds: 0, sessionLifetimeMilliseconds: 0,
            cachesAlertRules: false)
        let backend = "postgresql"
        return StoreSet(
            accounts: accounts, devices: DevicePostgresStore(database: database), groups: GroupPostgresStore(database: database),
            telemetry: telemetry, events: events, alertRules: AlertRulePostgresStore(database: database),
            alerts: AlertPostgresStore(database: database), cache: cache,
            services: [database, PartitionMaintenance(database: database, clock: configuration.clock, logger: logger)],
            prepare: {
                await database.waitUntilRunning()
                try await database.migrate(logger: logger)
                try await database.ensurePartitions(now: configuration.clock.nowMilliseconds(), logger: logger)
            },
            healthChecker: StoreHealthChecker(probes: [
                .init(role: "registry", backend: backend, primary: true, ping: { try await accounts.ping() }),
                .init(role: "telemetry", backend: backend, primary: true, ping: { try await telemetry.ping() }),
                .init(role: "cache", backend: "memory", primary: false, ping: { try await cache.ping() }),
                .init(role: "events", backend: backend, primary: false, ping: { try await events.ping() }),
            ])
        )
    }

    /// Connects once before anything else, so an unreachable server stops `serve` with one clear line
    /// (the pool would otherwise keep retrying in the background).
    static func probe(_ url: DatabaseURL, logger: Logger) async throws {
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: try Self.connectionTLS(url)
        )
        // Generous: a server that is down refuses at once, while one busy on a loaded machine can take seconds to answer.
        configuration.options.connectTimeout = .seconds(10)
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger
            )
            try? await connection.close()
        } catch let error as PSQLError {
            let detail = error.serverInfo?[.message].map { ": \($0)" } ?? " (\(error.code))"
            throw ConfigurationError(message: "cannot connect to PostgreSQL at \(url.endpoint)\(detail)")
        } catch {
            throw ConfigurationError(message: "cannot connect to PostgreSQL at \(url.endpoint): \(error)")
        }
    }

    static func tls(_ url: DatabaseURL) throws -> PostgresClient.Configuration.TLS {
        switch url.tls {
        case .disable: return .disable
        case .prefer: return .prefer(TLSConfiguration.makeClientConfiguration())
        case .require: return .require(TLSConfiguration.makeClientConfiguration())
        }
    }

    static func connectionTLS(_ url: DatabaseURL) throws -> PostgresConnection.Configuration.TLS {
        switch url.tls {
        case .disable: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: TLSConfiguration.makeClientConfiguration()))
        case .require: return .require(try NIOSSLContext(configuration: TLSConfiguration.makeClientConfiguration()))
        }
    }
}

/// Creates telemetry partitions ahead of need, twice a day, so writes land in real partitions.
struct PartitionMaintenance: Service {
    let database: PostgresDatabase
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        // A cancelled task (a service group torn down without a graceful shutdown) must stop too: its sleep
        // returns at once, and the loop would otherwise run the partition queries back to back.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(12 * 3600)) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            do {
                try await self.database.ensurePartitions(now: self.clock.nowMilliseconds(), logger: self.logger)
            } catch {
                self.logger.warning("could not create telemetry partitions; will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}
