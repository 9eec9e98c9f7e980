import ArgumentParser
import Dispatch
import Foundation

/// `iotflow simulate`: proves a running deployment works. Registers a user, devices and groups (and alert rules), sends
/// realistic sensor readings at a rate over HTTP or MQTT, then reads latest values, history, aggregations, group views
/// and alerts back and checks them against what was sent.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register devices on a running server, stream telemetry at a rate over HTTP or MQTT, and check what the server stored.")

    enum Transport: String, ExpressibleByArgument, CaseIterable, Sendable {
        case http, mqtt
    }

    @Option(help: "The server to simulate against.")
    var url = "http://127.0.0.1:5000"

    @Option(help: "Devices to register (1-10000).")
    var devices = 10

    @Option(help: "Groups to spread the devices over (0 for none).")
    var groups = 2

    @Option(help: "Points per second, in total over all devices.")
    var rate = 50.0

    @Option(help: "Seconds to send for.")
    var duration = 30.0

    @Option(name: .customLong("protocol"), help: "How devices send: http or mqtt.")
    var transport = Transport.http

    @Option(help: "The server's MQTT port (on the --url host), with --protocol mqtt.")
    var mqttPort = 1883

    @Flag(help: "Also create one alert rule per device (temperature above 35) and check the alerts it raises.")
    var alerts = false

    @Flag(help: "Delete the devices, groups and rules afterwards (and the user, with an admin token).")
    var cleanup = false

    @Option(help: "Admin token for --cleanup to delete the user as well (IOTFLOW_ADMIN_TOKEN when not given).")
    var adminToken: String?

    @Flag(help: "Print the summary as one JSON object on standard output.")
    var json = false

    @Option(help: "Seed of the sensor series: the same seed sends the same readings.")
    var seed: UInt64 = 1

    @Option(help: "Seconds one request may take.")
    var timeout = 10.0

    func validate() throws {
        guard (1...10_000).contains(self.devices) else { throw ValidationError("--devices must be between 1 and 10000") }
        guard (0...self.devices).contains(self.groups) else { throw ValidationError("--groups must be between 0 and --devices") }
        guard self.rate > 0 && self.rate <= 1_000_000 else { throw ValidationError("--rate must be above 0 and at most 1000000") }
        guard self.duration > 0 && self.duration <= 86_400 else { throw ValidationError("--duration must be above 0 and at most 86400 seconds") }
        guard (1...65_535).contains(self.mqttPort) else { throw ValidationError("--mqtt-port must be a port number") }
        guard self.timeout > 0 else { throw ValidationError("--timeout must be above 0") }
    }

    func run() async throws {
        var exitCode: ExitCode = .success
        try await runReportingErrors {
            let summary = try await self.simulate()
            print(self.json ? summary.json() : summary.table())
            exitCode = !summary.passed ? .failure : summary.interrupted ? ExitCode(130) : .success
        }
        if exitCode.rawValue != 0 { throw exitCode }
    }

    private func simulate() async throws -> SimulationSummary {
        let server = try ServerURL(self.url)
        let stop = StopSignal()
        let interrupts = Self.handleInterrupts(stop)
        defer { interrupts.cancel() }

        Self.note("setting up \(self.devices) devices and \(self.groups) groups on \(server)")
        let api = try await SimulationAPI.connect(server, timeout: self.timeout)
        let fleet = try await SimulationFleet.create(api: api, deviceCount: self.devices, groupCount: self.groups, alerts: self.alerts)
        let senders = try await self.connectSenders(fleet, server: server)

        Self.note("sending \(self.rate) points/s for \(self.duration) s over \(self.transport.rawValue) (Ctrl-C stops and checks what was sent)")
        let tally = SimulationTally()
        let progress = ProgressPrinter(tally: tally)
        let printer = Task { await progress.run() }
        let interval = Duration.seconds(Double(self.devices) / self.rate)
        let end = ContinuousClock.now + .seconds(self.duration)
        let sent = await withTaskGroup(of: (Int, [SentPoint]).self) { group in
            for (device, sender) in zip(fleet.devices, senders) {
                let run = DeviceRun(
                    device: device, sender: sender, interval: interval, offset: interval * (Double(device.index) / Double(self.devices)), end: end,
                    seed: self.seed)
                group.addTask { (device.id, await run.run(tally: tally, stop: stop)) }
            }
            var sent: [Int: [SentPoint]] = [:]
            for await (id, points) in group { sent[id] = points }
            return sent
        }
        let seconds = tally.elapsedSeconds
        printer.cancel()
        progress.finish()
        for sender in senders { await sender.close() }

        Self.note("checking what the server stored")
        let snapshot = tally.snapshot
        let checks = await SimulationChecks(api: api, fleet: fleet, sent: sent).run(tally: snapshot)
        var cleanupFailures: [String]?
        if self.cleanup {
            Self.note("deleting what the simulation created")
            cleanupFailures = await fleet.remove(api: api, adminToken: self.adminToken ?? ProcessInfo.processInfo.environment["IOTFLOW_ADMIN_TOKEN"])
        }
        await api.close()
        return SimulationSummary(
            server: server, transport: self.transport.rawValue, devices: self.devices, groups: self.groups, targetRate: self.rate, seconds: seconds,
            tally: snapshot, checks: checks, interrupted: stop.isStopped, cleanupFailures: cleanupFailures)
    }

    /// One sender per device: its own HTTP connection, or its own MQTT session signed in with its key.
    private func connectSenders(_ fleet: SimulationFleet, server: ServerURL) async throws -> [any TelemetrySender] {
        var senders: [any TelemetrySender] = []
        for device in fleet.devices {
            switch self.transport {
            case .http:
                senders.append(try await HTTPTelemetrySender.connect(server, key: device.key, timeout: self.timeout))
            case .mqtt:
                senders.append(
                    try await MQTTTelemetrySender.connect(
                        host: server.host, port: self.mqttPort, clientID: "iotflow-sim-\(device.id)", key: device.key, timeout: self.timeout))
            }
        }
        return senders
    }

    /// The first Ctrl-C stops sending (the run goes on to its checks and summary); a second one exits at once.
    private static func handleInterrupts(_ stop: StopSignal) -> any DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if stop.isStopped { Glibc.exit(130) }
            stop.stop()
            Self.note("stopping; checking what was sent so far (Ctrl-C again to quit at once)")
        }
        source.resume()
        return source
    }

    /// A line about the run's progress on standard error.
    private static func note(_ line: String) {
        FileHandle.standardError.write(Data("[simulate] \(line)\n".utf8))
    }
}
