import IoTFlowCore
import Synchronization

/// The alert evaluator on one fixture's real stores, with what it announces recorded: the services' view of
/// alerts without HTTP, so rule semantics are checked on every events backend.
struct AlertEvaluationHarness: Sendable {
    let fixture: StoreFixture
    let deps: Dependencies
    let listener: RecordingAlertListener
    let owner: User
    let device: Device

    /// Dependencies over `fixture` with a user and a device ready.
    static func make(_ fixture: StoreFixture) async throws -> AlertEvaluationHarness {
        let listener = RecordingAlertListener()
        let deps = Dependencies(
            accounts: fixture.accounts, devices: fixture.devices, groups: fixture.groups, telemetry: fixture.telemetry,
            cache: InMemoryCache(), events: DiscardingEventRecorder(), eventStore: fixture.events, alertRules: fixture.alertRules,
            alerts: fixture.alerts, liveFeed: listener, passwords: UnusedPasswordHasher(), writer: DirectWriter(store: fixture.telemetry)
        )
        let owner = try await fixture.makeUser("owner")
        let device = try await fixture.makeDevice(owner, "probe")
        return AlertEvaluationHarness(fixture: fixture, deps: deps, listener: listener, owner: owner, device: device)
    }

    /// A threshold rule on the harness's device (or on `groupID`) on key `t`.
    func thresholdRule(
        _ comparison: AlertOperator = .gt, _ threshold: Double = 30, duration: Int = 0, cooldown: Int = 0, groupID: Int64? = nil,
        name: String = "rule"
    ) async throws -> AlertRule {
        var create = CreateAlertRule(name: name)
        if let groupID { create.groupID = groupID } else { create.deviceID = self.device.id }
        create.key = "t"
        create.comparison = comparison.rawValue
        create.threshold = threshold
        create.durationSeconds = duration
        create.cooldownSeconds = cooldown
        return try await AlertService(self.deps).createRule(owner: self.owner, create)
    }

    /// Stores the point `t = value` at `seconds` (epoch seconds) and evaluates it with `evaluator`.
    func point(_ seconds: Int64, _ value: TelemetryValue, device: Device? = nil, evaluator: AlertEvaluator) async throws {
        let write = TelemetryWrite(deviceID: (device ?? self.device).id, points: [TelemetryPoint(timestamp: seconds * 1000, values: [("t", value)])])
        try await self.fixture.telemetry.write([write])
        try await evaluator.evaluate([write])
    }
}

/// Records every alert announced, as `fire@<s>` and `resolve@<s>` (point time in seconds) plus the alert.
final class RecordingAlertListener: LiveFeed {
    private let log = Mutex<[Alert]>([])

    func publish(alert: Alert) {
        self.log.withLock { $0.append(alert) }
    }

    func deviceConfigChanged(deviceID: Int64) {}

    var alerts: [Alert] { self.log.withLock { $0 } }

    /// Transitions in order: `fire@<triggered s>` or `<status>@<s>`.
    var transitions: [String] {
        self.alerts.map { alert in
            switch alert.status {
            case .active: "fire@\(alert.triggeredAt / 1000)"
            case .acknowledged: "ack"
            case .resolved: "resolve@\((alert.resolvedAt ?? 0) / 1000)"
            }
        }
    }
}

private struct DiscardingEventRecorder: EventRecorder {
    func record(_ event: Event) {}
    func queueStatistics() -> EventQueueStatistics { EventQueueStatistics(depth: 0, dropped: 0) }
}

private struct UnusedPasswordHasher: PasswordHasher {
    func hash(_ password: String) async throws -> String { "unused" }
    func verify(_ password: String, hash: String) async throws -> Bool { false }
    var decoyHash: String { "unused" }
}

private struct DirectWriter: TelemetryWriter {
    let store: any TelemetryStore

    func submit(_ write: TelemetryWrite) async throws {
        try await self.store.write([write])
    }
}
