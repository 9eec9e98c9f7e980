import IoTFlowCore

/// Runs one scenario at a time, samples the server's memory around it and turns the outcome into a
/// ``ScenarioResult``, with a progress line at its start and end.
struct ScenarioRunner: Sendable {
    let session: BenchSession
    let sampler: MemorySampler?
    let warmup: Duration
    let duration: Duration

    /// A closed-loop HTTP scenario. With `verifyDay`, connection `i` wrote device `i`'s points (or those of
    /// `writtenDevices(i)`) on that UTC day, and the points the server reports stored there are compared with those it
    /// acknowledged.
    func http(
        name: String, summary: String, connections: Int, pointsPerRequest: Int = 0, verifyDay: Int64? = nil, check: String? = nil,
        writtenDevices: (@Sendable (Int) -> [BenchSession.Device])? = nil,
        makeSource: @escaping @Sendable (Int) -> any BenchRequestSource
    ) async throws -> ScenarioResult {
        Bench.progress("\(name): start, \(connections) connections, \(self.warmup.seconds) s warm-up + \(self.duration.seconds) s")
        self.sampler?.sample()
        self.sampler?.resetWindow()
        let outcome = try await self.session.generator.run(
            connections: connections, warmup: self.warmup, duration: self.duration, makeSource: makeSource
        )
        self.sampler?.sample()
        let latency = outcome.latency
        var result = ScenarioResult(
            name: name, summary: summary, kind: "http", connections: connections, seconds: outcome.seconds, requests: outcome.measuredRequests,
            requestsPerSecond: Double(outcome.measuredRequests) / outcome.seconds, pointsPerRequest: pointsPerRequest,
            pointsPerSecond: pointsPerRequest > 0
                ? Double((outcome.measuredRequests - outcome.measuredErrors) * pointsPerRequest) / outcome.seconds : nil,
            latencyMs: latency, errors: outcome.measuredErrors, errorsIncludingWarmup: outcome.totalErrors,
            statuses: Dictionary(uniqueKeysWithValues: outcome.statuses.map { (String($0.key), $0.value) }), firstError: outcome.firstError,
            responseMiBPerSecond: pointsPerRequest == 0 ? Double(outcome.measuredBytes) / outcome.seconds / 1_048_576 : nil,
            serverPeakRSSKiB: self.sampler?.reading.windowPeak, check: check
        )
        if let verifyDay {
            var acknowledged = 0
            var stored = 0
            for (connection, tally) in outcome.tallies.enumerated() {
                acknowledged += tally.acknowledged * pointsPerRequest
                for device in writtenDevices?(connection) ?? [self.session.devices[connection]] {
                    stored += try await self.session.storedPoints(of: device, start: verifyDay, end: verifyDay + BenchSession.day)
                }
            }
            result.pointsAcknowledged = acknowledged
            result.pointsStored = stored
        }
        var line = "\(name): done, \(BenchReport.format(result.requestsPerSecond, 0)) req/s"
        if let points = result.pointsPerSecond { line += ", \(BenchReport.format(points, 0)) points/s" }
        line += ", p50 \(BenchReport.format(latency.p50, 2)) ms, p99 \(BenchReport.format(latency.p99, 2)) ms"
        if let acknowledged = result.pointsAcknowledged, let stored = result.pointsStored {
            line += acknowledged == stored ? ", \(stored) points stored (all acknowledged)" : ", STORED \(stored) != ACKNOWLEDGED \(acknowledged)"
        }
        if result.errorsIncludingWarmup > 0 {
            line += " — \(result.errorsIncludingWarmup) ERRORS (non-2xx), first: \(result.firstError ?? "?")"
        }
        Bench.progress(line)
        return result
    }

    /// The in-process store insert baseline with batches of `batch` points.
    func store(_ store: any TelemetryStore, batch: Int, writers: Int, firstTimestamp: Int64, backend: String) async throws -> ScenarioResult {
        let name = "store-insert-\(batch)"
        Bench.progress("\(name): start, \(writers) concurrent writers, \(self.warmup.seconds) s warm-up + \(self.duration.seconds) s (\(backend))")
        let outcome = try await StoreInsertBaseline.measure(
            store: store, batchSize: batch, writers: writers, warmup: self.warmup, duration: self.duration, firstTimestamp: firstTimestamp
        )
        Bench.progress(
            "\(name): done, \(BenchReport.format(outcome.batchesPerSecond, 0)) batches/s, \(BenchReport.format(outcome.pointsPerSecond, 0)) points/s, "
                + "p50 \(BenchReport.format(outcome.latency.p50, 2)) ms, p99 \(BenchReport.format(outcome.latency.p99, 2)) ms"
        )
        return ScenarioResult(
            name: name, summary: "TelemetryStore.write of \(batch)-point batches in process, no HTTP (\(backend)), one device per writer",
            kind: "store", connections: writers, seconds: outcome.seconds, requests: outcome.batches, requestsPerSecond: outcome.batchesPerSecond,
            pointsPerRequest: batch, pointsPerSecond: outcome.pointsPerSecond, latencyMs: outcome.latency
        )
    }
}
