import Foundation
import IoTFlowCore
import IoTFlowServer
import IoTFlowStorage
import Logging
import NIOSSL
import PostgresNIO

/// The raw insert rate of the telemetry backend the server uses, through the `TelemetryStore` protocol
/// in this process (no HTTP, no JSON), into a throwaway store: a SQLite file in a temporary folder, or
/// with `DATABASE_URL` a new schema in that database that is dropped afterwards.
struct StoreInsertBaseline: Sendable {
    /// The backend settings (`DATABASE_URL`, `IOTFLOW_SQLITE_SYNC`) read from the environment.
    let configuration: AppConfiguration
    let logger: Logger

    /// What the throwaway store is, for the report.
    var backendDescription: String {
        if let url = self.configuration.databaseURL { return "postgresql \(url.endpoint)/\(url.database), throwaway schema" }
        return "sqlite file in a temporary folder, synchronous=\(self.configuration.sqliteSynchronous)"
    }

    /// Opens the throwaway store, runs `body` on it and removes it again (also when `body` throws).
    func withThrowawayStore<T: Sendable>(
        registerCleanup: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void,
        _ body: @escaping @Sendable (any TelemetryStore) async throws -> T
    ) async throws -> T {
        if let url = self.configuration.databaseURL { return try await self.withPostgresSchema(url, body) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-bench-store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        registerCleanup { try? FileManager.default.removeItem(at: directory) }
        defer { try? FileManager.default.removeItem(at: directory) }
        let durability: SQLiteDatabaseFile.Durability = self.configuration.sqliteSynchronous == "normal" ? .normal : .full
        let database = try await SQLiteDatabaseFile.open(
            path: directory.appendingPathComponent("store.sqlite").path, durability: durability, logger: self.logger)
        do {
            let result = try await body(TelemetrySQLiteStore(database: database))
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }

    private func withPostgresSchema<T: Sendable>(
        _ url: DatabaseURL, _ body: @escaping @Sendable (any TelemetryStore) async throws -> T
    ) async throws -> T {
        // Lower-case letters, digits and underscores only: the name is spliced into DDL and search_path.
        let schema = "iotflow_bench_\(UUID().uuidString.prefix(8).lowercased())"
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: try Self.tls(url)
        )
        configuration.options.additionalStartupParameters = [("search_path", schema)]
        configuration.options.maximumConnections = 64
        configuration.options.connectTimeout = .seconds(5)
        let database = IoTFlowStorage.PostgresDatabase(configuration: configuration, logger: self.logger)
        let logger = self.logger
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await database.run()
                return nil
            }
            group.addTask {
                await database.waitUntilRunning()
                try await database.client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
                do {
                    try await database.migrate(logger: logger)
                    try await database.ensurePartitions(now: Int64(Date().timeIntervalSince1970 * 1000), logger: logger)
                    let result = try await body(TelemetryPostgresStore(database: database))
                    try await database.client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
                    return result
                } catch {
                    _ = try? await database.client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
                    throw error
                }
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
            }
            throw BenchError("the PostgreSQL pool stopped before the baseline finished")
        }
    }

    static func tls(_ url: DatabaseURL) throws -> PostgresClient.Configuration.TLS {
        switch url.tls {
        case .disable: return .disable
        case .prefer: return .prefer(TLSConfiguration.makeClientConfiguration())
        case .require: return .require(TLSConfiguration.makeClientConfiguration())
        }
    }

    /// Writes batches of `batchSize` points (temperature and humidity, 1 ms apart) from `writers` concurrent
    /// tasks, each its own device, for `warmup` then `duration`.
    static func measure(
        store: any TelemetryStore, batchSize: Int, writers: Int, warmup: Duration, duration: Duration, firstTimestamp: Int64
    ) async throws -> StoreInsertOutcome {
        let clock = ContinuousClock()
        let warmupEnd = clock.now + warmup
        let end = warmupEnd + duration
        let perWriter = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var latencies: [UInt64] = []
                    var timestamp = firstTimestamp
                    while clock.now < end {
                        var points: [TelemetryPoint] = []
                        points.reserveCapacity(batchSize)
                        for _ in 0..<batchSize {
                            points.append(TelemetryPoint(timestamp: timestamp, values: [("temperature", .number(21.5)), ("humidity", .number(40))]))
                            timestamp += 1
                        }
                        let started = clock.now
                        try await store.write([TelemetryWrite(deviceID: Int64(1_000_000 + writer), points: points)])
                        let finished = clock.now
                        if started >= warmupEnd && finished <= end {
                            let elapsed = finished - started
                            latencies.append(
                                UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000))
                        }
                    }
                    return latencies
                }
            }
            var all: [[UInt64]] = []
            for try await latencies in group { all.append(latencies) }
            return all
        }
        let latencies = perWriter.flatMap { $0 }
        return StoreInsertOutcome(
            batches: latencies.count, batchSize: batchSize, seconds: duration.seconds, latency: LatencySummary(nanoseconds: latencies))
    }
}

/// What a store-insert run measured.
struct StoreInsertOutcome: Sendable {
    /// Batches started after the warm-up and committed within the window.
    let batches: Int
    let batchSize: Int
    let seconds: Double
    /// Per-batch write latency.
    let latency: LatencySummary

    var pointsPerSecond: Double { Double(self.batches * self.batchSize) / self.seconds }
    var batchesPerSecond: Double { Double(self.batches) / self.seconds }
}
