import CassandraNIO
import Logging
import Synchronization

/// Concurrent `execute` calls of the point insert over one connection (`connectionsPerNode = 1`) to a running CQL
/// server, in a throwaway keyspace that is dropped afterwards.
struct CQLPeerLoad: Sendable {
    let endpoint: CassandraEndpoint
    let seconds: Double

    static let keyspace = "iotflow_cql_bench"
    static let insert = "INSERT INTO \(keyspace).points (device_id, bucket, key, ts, num, str, flag) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?"

    /// Callers between calling `execute` and its return: the current count and the largest seen.
    private final class InFlight: Sendable {
        private let counts = Mutex((current: 0, maximum: 0))

        func enter() {
            self.counts.withLock { counts in
                counts.current += 1
                counts.maximum = max(counts.maximum, counts.current)
            }
        }

        func leave() {
            self.counts.withLock { $0.current -= 1 }
        }

        var maximum: Int { self.counts.withLock { $0.maximum } }
    }

    func measure(concurrencies: [Int]) async throws -> CQLPeerReport {
        var configuration = CassandraConfiguration(endpoints: [self.endpoint])
        configuration.connectionsPerNode = 1
        configuration.consistency = .localQuorum
        configuration.requestTimeout = .seconds(60)
        let client = CassandraClient(configuration: configuration, logger: Logger(label: "iotflow.bench.cql"))
        let seconds = self.seconds
        return try await withThrowingTaskGroup(of: CQLPeerReport?.self) { group in
            group.addTask {
                try await client.run()
                return nil
            }
            group.addTask {
                try await Self.createSchema(client)
                do {
                    var report = CQLPeerReport(
                        endpoint: "\(self.endpoint)", statement: "EXECUTE of the point insert (prepared once), one new point per call",
                        note: "the peer (Tests/Support/cql/cql_peer.py) is Python on one asyncio thread that decodes every frame with its oracle "
                            + "codec and fsyncs its commit log (shared by concurrent writes) before acknowledging one: it, not CassandraNIO, bounds throughput and "
                            + "latency here; these figures show that one connection multiplexes the callers, not what Cassandra would do")
                    for (level, concurrency) in concurrencies.enumerated() {
                        let run = try await Self.run(client: client, concurrency: concurrency, seconds: seconds, device: Int64(level))
                        Bench.progress(
                            "peer \(concurrency) callers: \(BenchReport.format(run.requestsPerSecond, 0)) req/s, max in flight \(run.maxInFlight), "
                                + "p50 \(BenchReport.format(run.latencyMs.p50, 2)) ms, p99 \(BenchReport.format(run.latencyMs.p99, 2)) ms")
                        report.runs.append(run)
                    }
                    _ = try await client.query("DROP KEYSPACE IF EXISTS \(Self.keyspace)")
                    return report
                } catch {
                    _ = try? await client.query("DROP KEYSPACE IF EXISTS \(Self.keyspace)")
                    throw error
                }
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let report = next { return report }
            }
            throw BenchError("the Cassandra client stopped before the peer runs finished")
        }
    }

    private static func createSchema(_ client: CassandraClient) async throws {
        _ = try await client.query(
            "CREATE KEYSPACE IF NOT EXISTS \(Self.keyspace) WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        _ = try await client.query(
            "CREATE TABLE IF NOT EXISTS \(Self.keyspace).points (device_id bigint, bucket bigint, key text, ts timestamp, num double, "
                + "str text, flag boolean, PRIMARY KEY ((device_id, bucket), key, ts))")
        // Prepares the insert on the node, so that no caller's first call pays for it.
        _ = try await client.execute(Self.insert, Self.values(device: -1, timestamp: 0))
    }

    private static func values(device: Int64, timestamp: Int64) -> [CassandraValue] {
        [.bigint(device), .bigint(0), .text("temperature"), .timestamp(timestamp), .double(21.5), .unset, .unset, .int(86_400)]
    }

    /// `concurrency` callers each call `execute` until `seconds` are over; calls started in the window count.
    private static func run(client: CassandraClient, concurrency: Int, seconds: Double, device: Int64) async throws -> CQLPeerRun {
        let clock = ContinuousClock()
        let inFlight = InFlight()
        let start = clock.now
        let end = start + .nanoseconds(Int64(seconds * 1e9))
        let perCaller = await withTaskGroup(of: (latencies: [UInt64], errors: Int, firstError: String?).self) { group in
            for caller in 0..<concurrency {
                group.addTask {
                    var latencies: [UInt64] = []
                    var errors = 0
                    var firstError: String?
                    var timestamp = Int64(caller) * 1_000_000_000
                    while clock.now < end {
                        timestamp += 1
                        let started = clock.now
                        inFlight.enter()
                        do {
                            _ = try await client.execute(Self.insert, Self.values(device: device, timestamp: timestamp))
                            inFlight.leave()
                            let elapsed = clock.now - started
                            latencies.append(
                                UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000))
                        } catch {
                            inFlight.leave()
                            errors += 1
                            if firstError == nil { firstError = "\(error)" }
                        }
                    }
                    return (latencies, errors, firstError)
                }
            }
            var all: [(latencies: [UInt64], errors: Int, firstError: String?)] = []
            for await result in group { all.append(result) }
            return all
        }
        // Calls that started in the window but returned after it are counted; the time runs until the last returned.
        let elapsed = (clock.now - start).seconds
        let latencies = perCaller.flatMap(\.latencies)
        return CQLPeerRun(
            concurrency: concurrency, requests: latencies.count, requestsPerSecond: Double(latencies.count) / elapsed,
            maxInFlight: inFlight.maximum, latencyMs: LatencySummary(nanoseconds: latencies), errors: perCaller.reduce(0) { $0 + $1.errors },
            firstError: perCaller.lazy.compactMap(\.firstError).first)
    }
}
