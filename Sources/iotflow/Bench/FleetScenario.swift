import NIOCore

extension HTTPBench {
    /// `write-fleet` (with `--fleet-devices N`): the single-write load spread over N devices of their own, each
    /// connection rotating over its share, first alone, then with `--fleet-rules` alert rules on every one of them and
    /// one stream subscriber per device. Unlike `write-single+1000s`, where 1000 subscribers crowd onto the 16 written
    /// devices (about 62 frames per write), each write here reaches one subscriber: a fleet of devices each watched by
    /// its dashboard.
    func fleetScenarios(
        session: BenchSession, runner: ScenarioRunner, host: String, port: Int, streamGroup: any EventLoopGroup
    ) async throws -> [ScenarioResult] {
        let count = self.fleetDevices
        Bench.progress("write-fleet: registering \(count) devices")
        let fleet = try await session.registerDevices(count: count, prefix: "bench-fleet")
        let (authority, connections, rules) = (session.authority, self.connections, self.fleetRules)
        var results: [ScenarioResult] = []
        for (day, withExtras) in [(0, false), (1, true)] {
            if withExtras && rules > 0 {
                Bench.progress("write-fleet: adding \(rules) alert rules to each of the \(count) devices")
                try await session.addAlertRules(from: 0, to: rules, on: fleet)
            }
            let firstTimestamp = session.writeDay(day)
            let recorder = withExtras ? StreamLatencyRecorder() : nil
            var subscribers: StreamSubscribers?
            if let recorder {
                Bench.progress("write-fleet: opening \(count) stream subscribers, one per device")
                subscribers = try await StreamSubscribers.open(
                    count: count, devices: fleet, host: host, port: port, group: streamGroup, recorder: recorder)
            }
            let start = NIODeadline.now() + TimeAmount(runner.warmup)
            recorder?.measure(from: start, until: start + TimeAmount(runner.duration))
            var result = try await runner.http(
                name: withExtras ? "write-fleet-rules-\(rules)+\(count)s" : "write-fleet",
                summary: "write-single rotating over \(count) devices (each connection over \(count / connections) of them)"
                    + (withExtras && rules > 0 ? ", \(rules) alert rules on each (one firing, the rest never)" : "")
                    + (withExtras ? ", one stream subscriber each" : ""),
                connections: connections, pointsPerRequest: 1, verifyDay: firstTimestamp,
                writtenDevices: { FleetWriteSource.slice(fleet, connection: $0, of: connections) }
            ) { connection in
                FleetWriteSource(
                    authority: authority, devices: FleetWriteSource.slice(fleet, connection: connection, of: connections),
                    firstTimestamp: firstTimestamp, recorder: recorder)
            }
            await subscribers?.close()
            if let recorder { result.streams = recorder.figures(subscribers: count, seconds: runner.duration.seconds) }
            results.append(result)
        }
        return results
    }
}
