import ArgumentParser
import Foundation
import IoTFlowServer
import Logging
import NIOCore
import NIOPosix

/// `iotflow bench [http]`: throughput and latency of a live server over loopback HTTP/1.1 keep-alive.
struct HTTPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Measure a live server: throughput and p50/p95/p99 latency per scenario over loopback HTTP/1.1 keep-alive.",
        discussion: """
            By default the bench starts this same executable as `serve` on a free port with a throwaway data folder, \
            passing its environment through (DATABASE_URL selects PostgreSQL), and stops it and deletes the folder \
            at the end. Scenarios: \(HTTPBench.scenarioNames.joined(separator: ", ")).
            """
    )

    /// Every scenario, in the order they run.
    static let scenarioNames = [
        "noop", "write-single", "write-batch-100", "write-batch-1000", "write-single-rules-10", "write-single-rules-100", "write-fleet", "latest",
        "history-raw",
        "history-aggregated", "aggregated-rollup", "export", "store-insert-100",
        "store-insert-1000", "retention-sweep",
    ]

    @Option(name: .long, help: "Keep-alive connections for the no-op, write and latest scenarios (one device each).")
    var connections = 16

    @Option(name: .long, help: "Connections for the 24 h history reads.")
    var readConnections = 4

    @Option(name: .long, help: "Measured seconds per scenario.")
    var duration = 10.0

    @Option(name: .long, help: "Warm-up seconds per scenario before measuring.")
    var warmup = 2.0

    @Option(name: .long, help: "Benchmark a running server at http://host:port instead of starting one.")
    var url: String?

    @Option(name: .long, help: "Process id of the server given by --url, to sample its memory.")
    var pid: Int32?

    @Option(name: .long, help: "Comma-separated scenarios to run (default: all).")
    var only: String?

    @Option(name: .long, help: "Event-loop threads of the load generator.")
    var clientThreads = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run write-single once per count, each with that many live stream subscribers open on the written devices (e.g. 0,100,1000).",
            discussion: "Reports stream frames/s, dropped messages and the delivery latency from each write's 201 to its frame."
        )
    )
    var streamSubscribers: String?

    /// The counts of `--stream-subscribers`.
    var streamSubscriberCounts: [Int]? {
        self.streamSubscribers.map { Self.selection($0).compactMap { Int($0) } }
    }

    @Option(name: .long, help: "Also run each write-single-rules scenario with this many stream subscribers open (default 0: only without).")
    var rulesStreamSubscribers = 0

    @Option(name: .long, help: "Expired values the retention-sweep scenario removes while it measures writes.")
    var expiredPoints = 1_000_000

    @Option(name: .long, help: "Devices of the write-fleet scenario (0, the default, skips it; e.g. 1000).")
    var fleetDevices = 0

    @Option(name: .long, help: "Alert rules on each fleet device in the second write-fleet run.")
    var fleetRules = 100

    @Flag(name: .long, help: "Print one JSON document on standard output instead of the table.")
    var json = false

    func validate() throws {
        guard self.connections >= 1, self.readConnections >= 1 else {
            throw ValidationError("--connections and --read-connections must be at least 1")
        }
        guard self.duration > 0, self.warmup >= 0 else { throw ValidationError("--duration must be positive and --warmup not negative") }
        guard self.clientThreads >= 1 else { throw ValidationError("--client-threads must be at least 1") }
        guard self.fleetDevices == 0 || self.fleetDevices >= self.connections, self.fleetRules >= 0 else {
            throw ValidationError("--fleet-devices must be 0 or at least --connections, and --fleet-rules not negative")
        }
        if let streamSubscribers {
            let counts = Self.selection(streamSubscribers)
            guard !counts.isEmpty, counts.count <= 6, counts.allSatisfy({ Int($0).map { $0 >= 0 } ?? false }) else {
                throw ValidationError("--stream-subscribers takes one to six comma-separated counts, e.g. 0,100,1000")
            }
        }
        if let only {
            let unknown = Self.selection(only).filter { !Self.scenarioNames.contains($0) }
            guard unknown.isEmpty else {
                throw ValidationError("unknown scenario \(unknown.joined(separator: ", ")); known: \(Self.scenarioNames.joined(separator: ", "))")
            }
        }
    }

    static func selection(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        try await runReportingErrors {
            let cleanup = CleanupList()
            let group = MultiThreadedEventLoopGroup(numberOfThreads: self.clientThreads)
            do {
                try await self.benchmark(group: group, cleanup: cleanup)
                cleanup.runAll()
                try? await group.shutdownGracefully()
            } catch {
                cleanup.runAll()
                try? await group.shutdownGracefully()
                // Interrupted: the signal handler exits with 128 + the signal; a failure it caused is not news.
                if cleanup.interrupted { throw ExitCode(130) }
                throw error
            }
        }
    }

    private func benchmark(group: MultiThreadedEventLoopGroup, cleanup: CleanupList) async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try AppConfiguration.fromEnvironment(environment)
        let selected = Set(self.only.map(Self.selection) ?? Self.scenarioNames)
        let machine = MachineFacts.current()
        Bench.progress(
            "machine: \(machine.cores) cores, \(machine.cpuModel), \(machine.memoryMiB) MiB; \(machine.buildConfiguration) build of iotflow"
        )
        var warnings: [String] = []
        if machine.buildConfiguration != "release" {
            warnings.append("this is a DEBUG build: figures are not representative; run scripts/bench.sh (swift build -c release)")
            Bench.progress("WARNING: \(warnings.last!)")
        }
        let primary =
            configuration.databaseURL.map { "postgresql \($0.endpoint)/\($0.database)" }
            ?? "sqlite (embedded, synchronous=\(configuration.sqliteSynchronous))"
        let backend =
            primary + (configuration.cassandra.map { ", telemetry in Cassandra \($0)" } ?? "")
            + (configuration.redis.map { ", cache in Redis \($0)" } ?? ", in-process cache")

        // The server: spawned (default) or given.
        let host: String
        let port: Int
        var server: SpawnedServer?
        var readyMs: Double?
        var serverPID = self.pid
        let adminToken = "bench-admin-\(UUID().uuidString)"
        // Installed after the server is spawned: ignored signals would be inherited by it.
        let armInterrupts = {
            let handler = InterruptHandler.install {
                cleanup.interrupted = true
                cleanup.runAll()
            }
            cleanup.add { handler.cancel() }
        }
        if let url {
            armInterrupts()
            guard let components = URLComponents(string: url), components.scheme == "http", let urlHost = components.host else {
                throw BenchError("--url must look like http://host:port")
            }
            host = urlHost
            port = components.port ?? 80
        } else {
            let executable = Self.executableURL()
            Bench.progress("starting \(executable.path) serve (throwaway data folder, rate limits off)")
            let spawnedAt = ContinuousClock.now
            let spawned = try await SpawnedServer.start(
                executable: executable,
                overrides: [
                    "RATE_LIMIT_PER_MINUTE": "0", "RATE_LIMIT_AUTH_PER_MINUTE": "0", "RATE_LIMIT_DEVICE_REGISTRATION_PER_MINUTE": "0",
                    "IOTFLOW_ADMIN_TOKEN": adminToken,
                ]
            )
            cleanup.add { spawned.stop() }
            armInterrupts()
            server = spawned
            let ready = try await spawned.waitUntilReady(since: spawnedAt, group: group)
            readyMs = ready.seconds * 1000
            Bench.progress("server pid \(spawned.pid) ready on port \(spawned.port) in \(BenchReport.format(readyMs!, 0)) ms")
            host = "127.0.0.1"
            port = spawned.port
            serverPID = spawned.pid
        }
        var report = BenchReport(
            machine: machine,
            target: .init(url: "http://\(host):\(port)", spawned: server != nil, backend: backend, readyMs: readyMs, pid: serverPID),
            settings: .init(
                connections: self.connections, readConnections: self.readConnections, durationSeconds: self.duration, warmupSeconds: self.warmup,
                clientThreads: self.clientThreads
            ),
            warnings: warnings
        )

        let sampler = serverPID.flatMap { MemorySampler.canSample(pid: $0) ? MemorySampler(pid: $0) : nil }
        let samplerTask = sampler.map { sampler in Task { await sampler.run() } }
        defer { samplerTask?.cancel() }

        let generator = LoadGenerator(host: host, port: port, group: group)
        let session = try await BenchSession.setUp(generator: generator, deviceCount: self.connections)
        Bench.progress("registered user \(session.userID) and \(self.connections + 1) devices")
        let runner = ScenarioRunner(
            session: session, sampler: sampler, warmup: .milliseconds(Int64(self.warmup * 1000)),
            duration: .milliseconds(Int64(self.duration * 1000))
        )

        if selected.contains("noop") {
            report.scenarios.append(
                try await runner.http(name: "noop", summary: "GET / (the static API info document)", connections: self.connections) { _ in
                    RepeatedRequestSource(request: BenchRequest(method: .GET, path: "/", authority: generator.authority))
                }
            )
        }
        var writePeak: Int?
        // The stream subscribers' own thread, apart from the write connections'.
        let streamGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        for (index, batch) in [1, 100, 1000].enumerated() {
            let name = batch == 1 ? "write-single" : "write-batch-\(batch)"
            guard selected.contains(name) else { continue }
            let summary =
                batch == 1
                ? "POST /api/v1/telemetry {\"data\":{\"temperature\":21.5,\"humidity\":40},\"timestamp\":<ms>}, one device per connection"
                : "POST /api/v1/telemetry {\"points\":[…\(batch) points…]}, distinct timestamps, one device per connection"
            // write-single runs once per --stream-subscribers count, each on a day of its own.
            let subscriberCounts: [Int?] = batch == 1 ? (self.streamSubscriberCounts.map { $0.map(Optional.some) } ?? [nil]) : [nil]
            for (run, subscriberCount) in subscriberCounts.enumerated() {
                let firstTimestamp = session.writeDay(run == 0 ? index : 3 + run)
                let recorder = subscriberCount.map { _ in StreamLatencyRecorder() }
                var subscribers: StreamSubscribers?
                if let subscriberCount, let recorder, subscriberCount > 0 {
                    Bench.progress("\(name): opening \(subscriberCount) stream subscribers on the \(session.devices.count) written devices")
                    subscribers = try await StreamSubscribers.open(
                        count: subscriberCount, devices: session.devices, host: host, port: port, group: streamGroup, recorder: recorder)
                }
                let start = NIODeadline.now() + TimeAmount(runner.warmup)
                recorder?.measure(from: start, until: start + TimeAmount(runner.duration))
                var result = try await runner.http(
                    name: subscriberCount.map { $0 > 0 ? "\(name)+\($0)s" : name } ?? name,
                    summary: summary + (subscriberCount.map { ", \($0) stream subscribers (X-API-Key) spread over the devices" } ?? ""),
                    connections: self.connections, pointsPerRequest: batch, verifyDay: firstTimestamp
                ) { connection in
                    let device = session.devices[connection]
                    return TelemetryWriteSource(
                        template: BenchSession.telemetryPost(authority: generator.authority, key: device.key), batchSize: batch,
                        firstTimestamp: firstTimestamp, streams: recorder.map { ($0, Int64(device.id)) }
                    )
                }
                await subscribers?.close()
                if let subscriberCount, let recorder {
                    result.streams = recorder.figures(subscribers: subscriberCount, seconds: runner.duration.seconds)
                }
                report.scenarios.append(result)
                writePeak = max(writePeak ?? 0, result.serverPeakRSSKiB ?? 0)
            }
        }
        // The single-write load again with alert rules on every written device: one rule that fires once and stays
        // active (its alert's last value time moves with every point), the others evaluated on every point, never firing;
        // with --rules-stream-subscribers, that many stream subscribers are open meanwhile.
        var rulesPerDevice = 0
        for (days, rules) in [([8, 6], 10), ([9, 7], 100)] {
            let name = "write-single-rules-\(rules)"
            guard selected.contains(name) else { continue }
            try await session.addAlertRules(from: rulesPerDevice, to: rules)
            rulesPerDevice = rules
            Bench.progress("\(rules) alert rules on each of \(session.devices.count) devices")
            let subscriberCounts = self.rulesStreamSubscribers > 0 ? [0, self.rulesStreamSubscribers] : [0]
            for (index, subscriberCount) in zip(days, subscriberCounts) {
                let firstTimestamp = session.writeDay(index)
                let recorder = subscriberCount > 0 ? StreamLatencyRecorder() : nil
                var subscribers: StreamSubscribers?
                if let recorder {
                    subscribers = try await StreamSubscribers.open(
                        count: subscriberCount, devices: session.devices, host: host, port: port, group: streamGroup, recorder: recorder)
                }
                let start = NIODeadline.now() + TimeAmount(runner.warmup)
                recorder?.measure(from: start, until: start + TimeAmount(runner.duration))
                var result = try await runner.http(
                    name: name + (subscriberCount > 0 ? "+\(subscriberCount)s" : ""),
                    summary: "write-single with \(rules) alert rules on each written device (one firing, the rest never)"
                        + (subscriberCount > 0 ? ", \(subscriberCount) stream subscribers" : ""),
                    connections: self.connections, pointsPerRequest: 1, verifyDay: firstTimestamp
                ) { connection in
                    let device = session.devices[connection]
                    return TelemetryWriteSource(
                        template: BenchSession.telemetryPost(authority: generator.authority, key: device.key), batchSize: 1,
                        firstTimestamp: firstTimestamp, streams: recorder.map { ($0, Int64(device.id)) }
                    )
                }
                await subscribers?.close()
                if let recorder { result.streams = recorder.figures(subscribers: subscriberCount, seconds: runner.duration.seconds) }
                report.scenarios.append(result)
                writePeak = max(writePeak ?? 0, result.serverPeakRSSKiB ?? 0)
            }
        }
        if self.fleetDevices > 0 && selected.contains("write-fleet") {
            let results = try await self.fleetScenarios(session: session, runner: runner, host: host, port: port, streamGroup: streamGroup)
            report.scenarios += results
            writePeak = max(writePeak ?? 0, results.compactMap(\.serverPeakRSSKiB).max() ?? 0)
        }
        try? await streamGroup.shutdownGracefully()
        let hwmAfterWrites = writePeak != nil ? sampler?.reading.highWaterMark : nil
        if selected.contains("latest") {
            let probe = try await session.client.send(
                BenchRequest(
                    method: .GET, path: "/api/v1/telemetry/\(session.devices[0].id)/latest", authority: generator.authority,
                    headers: [("X-API-Key", session.devices[0].key)]
                )
            ).expect(200, "GET /api/v1/telemetry/{id}/latest").json()
            let check = (probe["latest_data"] as? [String: Any])?["temperature"] != nil ? "temperature ok" : "NO temperature"
            report.scenarios.append(
                try await runner.http(
                    name: "latest", summary: "GET /api/v1/telemetry/{id}/latest as the device (X-API-Key), one device per connection",
                    connections: self.connections, check: check
                ) { connection in
                    let device = session.devices[connection]
                    return RepeatedRequestSource(
                        request: BenchRequest(
                            method: .GET, path: "/api/v1/telemetry/\(device.id)/latest", authority: generator.authority,
                            headers: [("X-API-Key", device.key)]
                        )
                    )
                }
            )
        }
        if !selected.isDisjoint(with: ["history-raw", "history-aggregated", "aggregated-rollup", "export"]) {
            Bench.progress("loading 86400 points (24 h at 1 Hz) into device \(session.historyDevice.id) through the batch API")
            let (load, start, end) = try await session.loadHistory(points: 86_400)
            report.historyLoad = load
            if load.stored != load.points { report.warnings.append("history load: \(load.stored) of \(load.points) points stored") }
            Bench.progress("loaded in \(BenchReport.format(load.seconds, 2)) s, \(load.stored) points stored")
            let range = "start_time=\(BenchSession.iso(start))&end_time=\(BenchSession.iso(end))"
            let rawPath = "/api/v1/telemetry/\(session.historyDevice.id)?\(range)&limit=10000"
            // The loaded range starts and ends on minutes, so /aggregated answers it from rollups; starting 1 ms later
            // (the same 1440 windows) makes it read raw points, as before rollups existed.
            let aggregated = "/api/v1/telemetry/\(session.historyDevice.id)/aggregated?field=temperature&aggregation=mean&window=1m"
            let rawAggregatedPath = "\(aggregated)&start_time=\(BenchSession.iso(start + 1))&end_time=\(BenchSession.iso(end))"
            let rollupPath = "\(aggregated)&\(range)"
            for (name, path, expected) in [
                ("history-raw", rawPath, 10_000), ("history-aggregated", rawAggregatedPath, 1440), ("aggregated-rollup", rollupPath, 1440),
            ]
            where selected.contains(name) {
                let probe = try await session.client.send(session.ownerGet(path)).expect(200, "GET \(path)").json()
                let count = probe["count"] as? Int ?? -1
                let check = count == expected ? "count \(count) ok" : "count \(count), expected \(expected)"
                if count != expected { report.warnings.append("\(name): \(check)") }
                report.scenarios.append(
                    try await runner.http(
                        name: name, summary: "GET \(path) as the owner (bearer token)", connections: self.readConnections, check: check
                    ) { _ in RepeatedRequestSource(request: session.ownerGet(path)) }
                )
            }
            if selected.contains("export") {
                // The whole loaded day as CSV (86,400 points, two values each) per request, on one connection.
                let path = "/api/v1/telemetry/\(session.historyDevice.id)/export?\(range)"
                report.scenarios.append(
                    try await runner.http(
                        name: "export", summary: "GET \(path) as the owner: CSV of 86,400 points (172,800 values) per request",
                        connections: 1, pointsPerRequest: 86_400
                    ) { _ in RepeatedRequestSource(request: session.ownerGet(path)) }
                )
            }
        }

        // Clean up the bench's rows on shared servers before the in-process baseline.
        if server != nil, configuration.databaseURL != nil {
            _ = try await session.client.send(
                BenchRequest(
                    method: .DELETE, path: "/api/v1/users/\(session.userID)", authority: generator.authority,
                    headers: [("Authorization", "admin \(adminToken)")]
                )
            ).expect(200, "DELETE /api/v1/users/{user_id}")
        } else if server == nil {
            try await session.deleteDevices()
            report.warnings.append("the bench user \(session.userID) remains on the server (its devices and telemetry were deleted)")
        }
        await session.client.close()

        let baseline = StoreInsertBaseline(
            configuration: configuration, logger: Logger(label: "iotflow.bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        if selected.contains("retention-sweep") {
            let sweep = RetentionSweepBench(
                writers: self.connections, warmup: .seconds(self.warmup), duration: .seconds(self.duration), expiredPoints: self.expiredPoints)
            report.scenarios += try await baseline.withThrowawayStore(registerCleanup: { cleanup.add($0) }) { store in
                try await sweep.run(store, firstTimestamp: session.writeDay(5), backend: baseline.backendDescription)
            }
        }
        let storeRuns = [100, 1000].filter { selected.contains("store-insert-\($0)") }
        if !storeRuns.isEmpty {
            let results = try await baseline.withThrowawayStore(registerCleanup: { cleanup.add($0) }) { store in
                var results: [ScenarioResult] = []
                for (index, batch) in storeRuns.enumerated() {
                    results.append(
                        try await runner.store(
                            store, batch: batch, writers: self.connections, firstTimestamp: session.writeDay(index),
                            backend: baseline.backendDescription))
                }
                return results
            }
            report.scenarios.append(contentsOf: results)
        }

        Self.addRatios(to: &report)
        for scenario in report.scenarios where scenario.errorsIncludingWarmup > 0 {
            report.warnings.append(
                "\(scenario.name): \(scenario.errorsIncludingWarmup) non-2xx answers (\(scenario.errors) measured); first: \(scenario.firstError ?? "?")"
            )
        }
        for scenario in report.scenarios {
            if let acknowledged = scenario.pointsAcknowledged, let stored = scenario.pointsStored, acknowledged != stored {
                report.warnings.append("\(scenario.name): the server acknowledged \(acknowledged) points but reports \(stored) stored")
            }
        }
        if let sampler {
            sampler.sample()
            let reading = sampler.reading
            report.memory = .init(
                peakKiB: reading.highWaterMark, writePeakRSSKiB: writePeak, peakAfterWritesKiB: hwmAfterWrites, finalRSSKiB: reading.rss)
        }
        if let server, !server.isRunning { report.warnings.append("the server exited during the run:\n\(server.logTail())") }
        print(self.json ? try report.encoded() : report.render())
    }

    /// HTTP scenarios relative to `noop` requests/s; batched writes' points/s relative to the store insert
    /// baseline of the same batch size.
    static func addRatios(to report: inout BenchReport) {
        let noop = report.scenarios.first { $0.name == "noop" }?.requestsPerSecond
        let store = Dictionary(
            report.scenarios.filter { $0.kind == "store" }.map { ($0.pointsPerRequest, $0.pointsPerSecond ?? 0) },
            uniquingKeysWith: { first, _ in first }
        )
        for index in report.scenarios.indices where report.scenarios[index].kind == "http" {
            let scenario = report.scenarios[index]
            if let noop, noop > 0 { report.scenarios[index].ratioToNoop = scenario.requestsPerSecond / noop }
            if scenario.pointsPerRequest > 1, let points = scenario.pointsPerSecond, let base = store[scenario.pointsPerRequest], base > 0 {
                report.scenarios[index].ratioToStoreInsert = points / base
            }
        }
    }

    /// This executable, to start as the server: /proc/self/exe, else argv[0].
    static func executableURL() -> URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}
