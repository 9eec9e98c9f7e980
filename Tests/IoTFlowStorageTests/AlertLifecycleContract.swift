import IoTFlowCore
import Testing

/// `AlertStore`: opening (one unresolved alert per rule and device, also under concurrency), transitions as
/// compare-and-set, recorded values, resolutions.
enum AlertLifecycleContract {
    static let userOne = StoreFixture.publicID("one")
    static let userTwo = StoreFixture.publicID("two")

    /// A threshold alert to open; the store gives it its id.
    static func alert(
        rule: Int64, device: Int64, user: String = Self.userOne, severity: AlertSeverity = .warning, at time: Int64 = 1000,
        deviceName: String? = nil, value: Double? = 31.5
    ) -> Alert {
        Alert(
            id: 0, ruleID: rule, ruleName: "rule \(rule)", type: .threshold, deviceID: device, deviceName: deviceName ?? "device \(device)",
            userPublicID: user, key: "temperature", comparison: .gt, threshold: 30, value: value, severity: severity, status: .active,
            message: "temperature \(value.map { "\($0)" } ?? "-") > 30", triggeredAt: time, lastValueAt: time
        )
    }

    /// An offline alert: no key, comparison, threshold or value.
    static func offlineAlert(rule: Int64, device: Int64, at time: Int64) -> Alert {
        Alert(
            id: 0, ruleID: rule, ruleName: "silence", type: .offline, deviceID: device, deviceName: "device \(device)", userPublicID: Self.userTwo,
            key: nil, comparison: nil, threshold: nil, value: nil, severity: .critical, status: .active, message: "device silent for 120 s",
            triggeredAt: time, lastValueAt: nil
        )
    }

    /// `alert` as the store should hold it once opened with `id`.
    static func opened(_ alert: Alert, id: Int64) -> Alert {
        var copy = alert
        copy.id = id
        return copy
    }

    static func open(_ stores: StoreFixture, _ alert: Alert) async throws -> Alert {
        try #require(try await stores.alerts.openAlert(alert), "rule \(alert.ruleID) device \(alert.deviceID) already had an unresolved alert")
    }

    static func resolve(_ stores: StoreFixture, _ id: Int64, at time: Int64, note: String? = nil) async throws -> Alert? {
        try await stores.alerts.transition(
            AlertTransition(alertID: id, to: .resolved, from: [.active, .acknowledged], at: time, resolvedBy: .user, note: note))
    }

    static func acknowledge(_ stores: StoreFixture, _ id: Int64, at time: Int64, note: String? = nil) async throws -> Alert? {
        try await stores.alerts.transition(AlertTransition(alertID: id, to: .acknowledged, from: [.active], at: time, note: note))
    }

    static func openOncePerRuleAndDevice(_ stores: StoreFixture) async throws {
        let hot = Self.alert(rule: 1, device: 10)
        let first = try await Self.open(stores, hot)
        #expect(first.id > 0)
        #expect(first == Self.opened(hot, id: first.id))
        #expect(try await stores.alerts.alert(id: first.id) == first)
        #expect(try await stores.alerts.alert(id: first.id + 1000) == nil)
        let silent = Self.offlineAlert(rule: 7, device: 10, at: 1500)
        let offline = try await Self.open(stores, silent)
        #expect(offline == Self.opened(silent, id: offline.id))
        #expect(try await stores.alerts.alert(id: offline.id) == offline)

        // A second unresolved alert of the rule and device is refused; other rules and devices are not.
        #expect(try await stores.alerts.openAlert(Self.alert(rule: 1, device: 10, severity: .critical, at: 2000)) == nil)
        let otherDevice = try await Self.open(stores, Self.alert(rule: 1, device: 11))
        let otherRule = try await Self.open(stores, Self.alert(rule: 2, device: 10))
        #expect(Set([first.id, offline.id, otherDevice.id, otherRule.id]).count == 4)
        // Acknowledged is still unresolved.
        _ = try #require(try await Self.acknowledge(stores, first.id, at: 2500))
        #expect(try await stores.alerts.openAlert(Self.alert(rule: 1, device: 10, at: 2600)) == nil)
        // Once resolved, the next alert of the rule and device opens.
        _ = try #require(try await Self.resolve(stores, first.id, at: 3000))
        let again = try await Self.open(stores, Self.alert(rule: 1, device: 10, at: 3500))
        #expect(again.id != first.id && again.status == .active && again.triggeredAt == 3500)
        #expect(try await stores.alerts.openAlert(Self.alert(rule: 1, device: 10, at: 3600)) == nil)
        #expect(try await stores.alerts.alerts(AlertQuery(deviceID: 10, ruleID: 1)).total == 2)
        #expect(try await stores.alerts.alerts(AlertQuery()).total == 5)
    }

    static func openedAlertsStartActive(_ stores: StoreFixture) async throws {
        var stale = Self.alert(rule: 1, device: 10)
        stale.status = .resolved
        stale.acknowledgedAt = 500
        stale.resolvedAt = 600
        stale.resolvedBy = .auto
        let opened = try await Self.open(stores, stale)
        #expect(opened.status == .active && opened.acknowledgedAt == nil && opened.resolvedAt == nil && opened.resolvedBy == nil)
        #expect(try await stores.alerts.alert(id: opened.id) == opened)
        #expect(try await stores.alerts.openAlert(Self.alert(rule: 1, device: 10)) == nil)
    }

    static func concurrentOpensMakeOneAlert(_ stores: StoreFixture) async throws {
        let alerts = stores.alerts
        for round in 0..<2 {
            let time = Int64(10_000 * (round + 1))
            let opened = try await withThrowingTaskGroup(of: Alert?.self) { group in
                for attempt in 0..<20 {
                    group.addTask { try await alerts.openAlert(Self.alert(rule: 5, device: 50, at: time + Int64(attempt))) }
                }
                var opened: [Alert] = []
                for try await alert in group { if let alert { opened.append(alert) } }
                return opened
            }
            try #require(opened.count == 1, "round \(round): \(opened.count) alerts opened")
            let unresolved = try await alerts.unresolvedAlerts(deviceIDs: [50])
            #expect(unresolved == opened)
            _ = try #require(try await Self.resolve(stores, opened[0].id, at: time + 100))
        }
        #expect(try await alerts.alerts(AlertQuery(ruleID: 5)).total == 2)
        // Different devices do not block each other.
        let devices = try await withThrowingTaskGroup(of: Alert?.self) { group in
            for device in 60..<70 { group.addTask { try await alerts.openAlert(Self.alert(rule: 5, device: Int64(device))) } }
            var opened: [Alert] = []
            for try await alert in group { if let alert { opened.append(alert) } }
            return opened
        }
        #expect(devices.count == 10 && Set(devices.map(\.deviceID)).count == 10)
    }

    static func transitionsAreCompareAndSet(_ stores: StoreFixture) async throws {
        let first = try await Self.open(stores, Self.alert(rule: 1, device: 10))
        // A refused open before the others, so later ids need not follow the order of insertion in every backend.
        #expect(try await stores.alerts.openAlert(Self.alert(rule: 1, device: 10)) == nil)
        // Acknowledge only from active.
        let acknowledged = try #require(try await Self.acknowledge(stores, first.id, at: 2000, note: "on it"))
        var expected = first
        expected.status = .acknowledged
        expected.acknowledgedAt = 2000
        expected.note = "on it"
        #expect(acknowledged == expected)
        #expect(try await Self.acknowledge(stores, first.id, at: 2100, note: "again") == nil)
        #expect(try await stores.alerts.alert(id: first.id) == expected)
        // Resolve from acknowledged; a nil note keeps the note.
        let resolved = try #require(try await Self.resolve(stores, first.id, at: 3000))
        expected.status = .resolved
        expected.resolvedAt = 3000
        expected.resolvedBy = .user
        #expect(resolved == expected)
        #expect(try await Self.resolve(stores, first.id, at: 3100, note: "twice") == nil)
        #expect(try await Self.acknowledge(stores, first.id, at: 3200) == nil)
        #expect(try await stores.alerts.alert(id: first.id) == expected)

        // Resolve straight from active, with a note; the evaluator's resolution says auto.
        let second = try await Self.open(stores, Self.alert(rule: 2, device: 10))
        let fixed = try #require(try await Self.resolve(stores, second.id, at: 4000, note: "fixed"))
        #expect(fixed.status == .resolved && fixed.note == "fixed" && fixed.acknowledgedAt == nil && fixed.resolvedAt == 4000)
        #expect(try await stores.alerts.alert(id: second.id) == fixed)
        #expect(try await stores.alerts.alert(id: first.id) == expected)
        let third = try await Self.open(stores, Self.alert(rule: 3, device: 10))
        _ = try #require(try await Self.acknowledge(stores, third.id, at: 4500, note: "first note"))
        let auto = try #require(
            try await stores.alerts.transition(
                AlertTransition(alertID: third.id, to: .resolved, from: [.active, .acknowledged], at: 5000, resolvedBy: .auto, note: "replaced")))
        #expect(auto.resolvedBy == .auto && auto.note == "replaced" && auto.acknowledgedAt == 4500)

        // A status outside `from`, an empty `from` and a missing alert change nothing.
        let fourth = try await Self.open(stores, Self.alert(rule: 4, device: 10))
        #expect(try await stores.alerts.transition(AlertTransition(alertID: fourth.id, to: .resolved, from: [.acknowledged], at: 6000)) == nil)
        #expect(try await stores.alerts.transition(AlertTransition(alertID: fourth.id, to: .acknowledged, from: [], at: 6000)) == nil)
        #expect(try await stores.alerts.transition(AlertTransition(alertID: fourth.id + 1000, to: .acknowledged, from: [.active], at: 6000)) == nil)
        #expect(try await stores.alerts.alert(id: fourth.id) == fourth)
    }

    static func racingResolutionsChangeOnce(_ stores: StoreFixture) async throws {
        let alerts = stores.alerts
        let opened = try await Self.open(stores, Self.alert(rule: 1, device: 10))
        let results = try await withThrowingTaskGroup(of: Alert?.self) { group in
            for attempt in 0..<10 {
                group.addTask {
                    try await alerts.transition(
                        AlertTransition(
                            alertID: opened.id, to: .resolved, from: [.active, .acknowledged], at: 2000 + Int64(attempt), resolvedBy: .auto,
                            note: "attempt \(attempt)"))
                }
            }
            var results: [Alert] = []
            for try await result in group { if let result { results.append(result) } }
            return results
        }
        let winner = try #require(results.count == 1 ? results.first : nil, "\(results.count) resolutions applied")
        #expect(try await alerts.alert(id: opened.id) == winner)
    }

    static func recordValue(_ stores: StoreFixture) async throws {
        // A refused open first, so later ids need not follow the order of insertion in every backend.
        let unrelated = try await Self.open(stores, Self.alert(rule: 9, device: 90, at: 500))
        #expect(try await stores.alerts.openAlert(Self.alert(rule: 9, device: 90, at: 600)) == nil)
        let opened = try await Self.open(stores, Self.alert(rule: 1, device: 10, at: 1000))
        let other = try await Self.open(stores, Self.alert(rule: 2, device: 10, at: 1000))
        try await stores.alerts.recordValue(alertID: opened.id, value: 35.25, at: 2000)
        var expected = opened
        expected.value = 35.25
        expected.lastValueAt = 2000
        #expect(try await stores.alerts.alert(id: opened.id) == expected)
        // An older point does not move it back.
        try await stores.alerts.recordValue(alertID: opened.id, value: 99, at: 1500)
        #expect(try await stores.alerts.alert(id: opened.id) == expected)
        // Acknowledged alerts still record; a nil value is recorded as none.
        _ = try #require(try await Self.acknowledge(stores, opened.id, at: 2100))
        try await stores.alerts.recordValue(alertID: opened.id, value: nil, at: 2500)
        let noValue = try #require(try await stores.alerts.alert(id: opened.id))
        #expect(noValue.value == nil && noValue.lastValueAt == 2500 && noValue.status == .acknowledged)
        // Resolved alerts keep their last value.
        let resolved = try #require(try await Self.resolve(stores, opened.id, at: 3000))
        try await stores.alerts.recordValue(alertID: opened.id, value: 50, at: 4000)
        #expect(try await stores.alerts.alert(id: opened.id) == resolved)
        // Other alerts are untouched, and a missing alert is no error.
        #expect(try await stores.alerts.alert(id: other.id) == other)
        #expect(try await stores.alerts.alert(id: unrelated.id) == unrelated)
        try await stores.alerts.recordValue(alertID: other.id + 1000, value: 1, at: 5000)
        // An offline alert starts without a recorded point.
        let silent = try await Self.open(stores, Self.offlineAlert(rule: 3, device: 10, at: 6000))
        try await stores.alerts.recordValue(alertID: silent.id, value: nil, at: 6500)
        #expect(try await stores.alerts.alert(id: silent.id)?.lastValueAt == 6500)
    }

    static func lastResolution(_ stores: StoreFixture) async throws {
        #expect(try await stores.alerts.lastResolution(ruleID: 1, deviceID: 10) == nil)
        let first = try await Self.open(stores, Self.alert(rule: 1, device: 10, at: 1000))
        #expect(try await stores.alerts.lastResolution(ruleID: 1, deviceID: 10) == nil)
        _ = try #require(try await Self.resolve(stores, first.id, at: 5000))
        #expect(try await stores.alerts.lastResolution(ruleID: 1, deviceID: 10) == 5000)
        let second = try await Self.open(stores, Self.alert(rule: 1, device: 10, at: 6000))
        _ = try #require(try await Self.resolve(stores, second.id, at: 7000))
        _ = try await Self.open(stores, Self.alert(rule: 1, device: 10, at: 8000))
        #expect(try await stores.alerts.lastResolution(ruleID: 1, deviceID: 10) == 7000)
        // Per rule and device.
        let elsewhere = try await Self.open(stores, Self.alert(rule: 1, device: 11, at: 1000))
        _ = try #require(try await Self.resolve(stores, elsewhere.id, at: 9000))
        #expect(try await stores.alerts.lastResolution(ruleID: 1, deviceID: 10) == 7000)
        #expect(try await stores.alerts.lastResolution(ruleID: 1, deviceID: 11) == 9000)
        #expect(try await stores.alerts.lastResolution(ruleID: 2, deviceID: 10) == nil)
    }

    static func resolveAllOfARuleOrDevice(_ stores: StoreFixture) async throws {
        let ruleOnTen = try await Self.open(stores, Self.alert(rule: 1, device: 10))
        let ruleOnEleven = try await Self.open(stores, Self.alert(rule: 1, device: 11))
        _ = try #require(try await Self.acknowledge(stores, ruleOnEleven.id, at: 1500, note: "seen"))
        let earlier = try await Self.open(stores, Self.alert(rule: 1, device: 12))
        let earlierResolved = try #require(try await Self.resolve(stores, earlier.id, at: 1800))
        let otherRule = try await Self.open(stores, Self.alert(rule: 2, device: 10))
        let otherDevice = try await Self.open(stores, Self.alert(rule: 3, device: 13))

        let byRule = try await stores.alerts.resolveAll(ruleID: 1, by: .ruleDeleted, at: 9000).sorted { $0.id < $1.id }
        #expect(byRule.map(\.id) == [ruleOnTen.id, ruleOnEleven.id])
        #expect(byRule.allSatisfy { $0.status == .resolved && $0.resolvedBy == .ruleDeleted && $0.resolvedAt == 9000 })
        #expect(byRule.last?.note == "seen" && byRule.last?.acknowledgedAt == 1500)
        for alert in byRule { #expect(try await stores.alerts.alert(id: alert.id) == alert) }
        #expect(try await stores.alerts.alert(id: earlier.id) == earlierResolved)
        #expect(try await stores.alerts.alert(id: otherRule.id) == otherRule)
        #expect(try await stores.alerts.resolveAll(ruleID: 1, by: .ruleDeleted, at: 9100).isEmpty)

        let byDevice = try await stores.alerts.resolveAll(deviceID: 10, by: .deviceDeleted, at: 9500)
        #expect(byDevice.map(\.id) == [otherRule.id])
        #expect(byDevice.first?.resolvedBy == .deviceDeleted && byDevice.first?.resolvedAt == 9500)
        #expect(try await stores.alerts.alert(id: otherDevice.id) == otherDevice)
        #expect(try await stores.alerts.resolveAll(deviceID: 10, by: .deviceDeleted, at: 9600).isEmpty)
        #expect(try await stores.alerts.resolveAll(deviceID: 999, by: .deviceDeleted, at: 9600).isEmpty)
        // Resolved this way, the rule and device may alert again.
        _ = try await Self.open(stores, Self.alert(rule: 1, device: 10, at: 10_000))
        _ = try await Self.open(stores, Self.alert(rule: 2, device: 10, at: 10_000))
    }

    static func unresolvedAlertsOfDevices(_ stores: StoreFixture) async throws {
        let onTen = try await Self.open(stores, Self.alert(rule: 1, device: 10))
        let onTenAgain = try await Self.open(stores, Self.alert(rule: 2, device: 10))
        let onEleven = try await Self.open(stores, Self.alert(rule: 1, device: 11))
        let onElevenAcknowledged = try #require(try await Self.acknowledge(stores, onEleven.id, at: 2000))
        let onTwelve = try await Self.open(stores, Self.alert(rule: 1, device: 12))
        _ = try #require(try await Self.resolve(stores, onTwelve.id, at: 2000))
        _ = try await Self.open(stores, Self.alert(rule: 1, device: 13))
        let found = try await stores.alerts.unresolvedAlerts(deviceIDs: [10, 11, 12, 99]).sorted { $0.id < $1.id }
        #expect(found == [onTen, onTenAgain, onElevenAcknowledged])
        #expect(try await stores.alerts.unresolvedAlerts(deviceIDs: [12]).isEmpty)
        #expect(try await stores.alerts.unresolvedAlerts(deviceIDs: []).isEmpty)
    }
}
