import IoTFlowCore
import Testing

/// Rule semantics as sequences of points (epoch seconds → value of `t`) and the alert transitions they must cause,
/// through the real evaluator and stores of one backend.
enum AlertSemanticsContract {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let comparison: AlertOperator
        let duration: Int
        let cooldown: Int
        let points: [(Int64, TelemetryValue)]
        let expected: [String]

        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(
            name: "fires on the first satisfying point, resolves on the first that does not, fires again", comparison: .gt, duration: 0,
            cooldown: 0, points: [(100, .number(20)), (110, .number(31)), (120, .number(35)), (130, .number(29)), (140, .number(31))],
            expected: ["fire@110", "resolve@130", "fire@140"]),
        Case(
            name: "duration: fires once the condition held for every point of the span", comparison: .gt, duration: 60, cooldown: 0,
            points: [(100, .number(31)), (120, .number(32)), (140, .number(33)), (160, .number(34)), (170, .number(35))],
            expected: ["fire@160"]),
        Case(
            name: "duration: a dip restarts the span", comparison: .gt, duration: 60, cooldown: 0,
            points: [(100, .number(31)), (130, .number(29)), (140, .number(31)), (180, .number(31)), (200, .number(31))],
            expected: ["fire@200"]),
        Case(
            name: "hysteresis: stays active while the condition holds, resolves at the first point where it does not", comparison: .gte,
            duration: 0, cooldown: 0, points: [(100, .number(30)), (110, .number(40)), (120, .number(30)), (130, .number(29.9))],
            expected: ["fire@100", "resolve@130"]),
        Case(
            name: "cooldown: no new alert until cooldown_s after the resolution", comparison: .gt, duration: 0, cooldown: 300,
            points: [(100, .number(31)), (110, .number(20)), (120, .number(31)), (300, .number(31)), (409, .number(31)), (410, .number(31))],
            expected: ["fire@100", "resolve@110", "fire@410"]),
        Case(
            name: "out of order: an older point does not move the alert", comparison: .gt, duration: 0, cooldown: 0,
            points: [(200, .number(31)), (150, .number(10)), (100, .number(10)), (210, .number(32)), (220, .number(10))],
            expected: ["fire@200", "resolve@220"]),
        Case(
            name: "overwrite: a new value at the newest timestamp replaces it", comparison: .gt, duration: 0, cooldown: 0,
            points: [(100, .number(31)), (100, .number(10)), (110, .number(31))],
            expected: ["fire@100", "resolve@100", "fire@110"]),
        Case(
            name: "booleans are 1 and 0; strings never satisfy a rule", comparison: .eq, duration: 0, cooldown: 0,
            points: [(100, .bool(false)), (110, .string("1")), (120, .bool(true)), (130, .string("x"))],
            expected: ["fire@120", "resolve@130"]),
        Case(
            name: "ne and lt", comparison: .ne, duration: 0, cooldown: 0,
            points: [(100, .number(1)), (110, .number(2)), (120, .number(1))],
            expected: ["fire@110", "resolve@120"]),
    ]

    /// Runs one case; the rule's threshold is 30 except for `eq`/`ne` cases, where it is 1.
    static func run(_ testCase: Case, _ fixture: StoreFixture) async throws {
        let harness = try await AlertEvaluationHarness.make(fixture)
        let threshold: Double = testCase.comparison == .eq || testCase.comparison == .ne ? 1 : 30
        _ = try await harness.thresholdRule(testCase.comparison, threshold, duration: testCase.duration, cooldown: testCase.cooldown)
        let evaluator = AlertEvaluator(harness.deps)
        for (seconds, value) in testCase.points { try await harness.point(seconds, value, evaluator: evaluator) }
        #expect(harness.listener.transitions == testCase.expected, "\(testCase.name)")
        // The store agrees: at most one unresolved alert, and as many alerts as fired.
        let stored = try await fixture.alerts.alerts(AlertQuery(userPublicID: harness.owner.publicID))
        #expect(stored.total == testCase.expected.filter { $0.hasPrefix("fire") }.count)
        #expect(stored.alerts.filter { $0.status != .resolved }.count <= 1)
    }

    /// A restarted instance (a new evaluator, nothing in memory) fires on time from the stored history.
    static func durationAcrossRestart(_ fixture: StoreFixture) async throws {
        let harness = try await AlertEvaluationHarness.make(fixture)
        _ = try await harness.thresholdRule(duration: 60)
        let first = AlertEvaluator(harness.deps)
        for seconds: Int64 in [100, 120, 140] { try await harness.point(seconds, .number(31), evaluator: first) }
        #expect(harness.listener.transitions.isEmpty)
        let restarted = AlertEvaluator(harness.deps)
        try await harness.point(160, .number(31), evaluator: restarted)
        #expect(harness.listener.transitions == ["fire@160"])
    }

    /// Two instances evaluating the same point at once raise one alert.
    static func twoInstancesOneAlert(_ fixture: StoreFixture) async throws {
        let harness = try await AlertEvaluationHarness.make(fixture)
        _ = try await harness.thresholdRule()
        let write = TelemetryWrite(deviceID: harness.device.id, points: [TelemetryPoint(timestamp: 100_000, values: [("t", .number(31))])])
        try await fixture.telemetry.write([write])
        let evaluators = (0..<8).map { _ in AlertEvaluator(harness.deps) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for evaluator in evaluators { group.addTask { try await evaluator.evaluate([write]) } }
            try await group.waitForAll()
        }
        #expect(harness.listener.transitions == ["fire@100"])
        #expect(try await fixture.alerts.alerts(AlertQuery()).total == 1)
    }

    /// A group rule applies to the devices in the group at evaluation time.
    static func groupMembership(_ fixture: StoreFixture) async throws {
        let harness = try await AlertEvaluationHarness.make(fixture)
        let group = try await fixture.groups.createGroup(
            NewGroup(ownerID: harness.owner.id, name: "g", description: nil, color: "#112233", createdAt: 1_700_000_000_000))
        _ = try await harness.thresholdRule(groupID: group.id)
        let evaluator = AlertEvaluator(harness.deps)
        let groups = GroupService(harness.deps)
        try await harness.point(100, .number(31), evaluator: evaluator)
        #expect(harness.listener.transitions.isEmpty, "not a member yet")
        _ = try await groups.addDevice(group.id, deviceID: harness.device.id, principal: .user(harness.owner))
        try await harness.point(110, .number(31), evaluator: evaluator)
        #expect(harness.listener.transitions == ["fire@110"])
        try await harness.point(120, .number(10), evaluator: evaluator)
        try await groups.removeDevice(group.id, deviceID: harness.device.id, principal: .user(harness.owner))
        try await harness.point(130, .number(31), evaluator: evaluator)
        #expect(harness.listener.transitions == ["fire@110", "resolve@120"], "removed from the group")
    }

    /// Deleting a rule or the device resolves its alerts with the matching `resolved_by`.
    static func deletionsResolve(_ fixture: StoreFixture) async throws {
        let harness = try await AlertEvaluationHarness.make(fixture)
        let byRule = try await harness.thresholdRule(name: "first")
        let byDevice = try await harness.thresholdRule(name: "second")
        let evaluator = AlertEvaluator(harness.deps)
        try await harness.point(100, .number(31), evaluator: evaluator)
        #expect(harness.listener.transitions == ["fire@100", "fire@100"])
        let service = AlertService(harness.deps)
        try await service.deleteRule(byRule.id, principal: .user(harness.owner))
        #expect(harness.listener.alerts.last?.resolvedBy == .ruleDeleted)
        #expect(harness.listener.alerts.last?.ruleID == byRule.id)
        try await DeviceService(harness.deps).delete(harness.device.id, principal: .user(harness.owner))
        #expect(harness.listener.alerts.last?.resolvedBy == .deviceDeleted)
        #expect(harness.listener.alerts.last?.ruleID == byDevice.id)
        #expect(try await fixture.alerts.unresolvedAlerts(deviceIDs: [harness.device.id]).isEmpty)
    }
}
