import IoTFlowCore
import Testing

/// `AlertRuleStore`: rules with filters and paging, unique names, cascades with their owner, device or group, the
/// rules that apply to devices now, and leases.
enum AlertRuleContract {
    /// A threshold rule on `device` (or on `group`) of `owner`.
    static func thresholdRule(
        _ owner: User, _ name: String, device: Device? = nil, group: DeviceGroup? = nil, enabled: Bool = true, at time: Int64 = 5000
    ) -> AlertRule {
        AlertRule(
            id: 0, name: name, ownerID: owner.id, ownerPublicID: owner.publicID, deviceID: device?.id, groupID: group?.id, type: .threshold,
            key: "temperature", comparison: .gt, threshold: 30.5, durationSeconds: 60, offlineAfterSeconds: nil, severity: .critical,
            cooldownSeconds: 300, enabled: enabled, createdAt: time, updatedAt: time
        )
    }

    /// An offline rule on `device` (or on `group`) of `owner`.
    static func offlineRule(
        _ owner: User, _ name: String, device: Device? = nil, group: DeviceGroup? = nil, enabled: Bool = true, at time: Int64 = 6000
    ) -> AlertRule {
        AlertRule(
            id: 0, name: name, ownerID: owner.id, ownerPublicID: owner.publicID, deviceID: device?.id, groupID: group?.id, type: .offline,
            key: nil, comparison: nil, threshold: nil, durationSeconds: 0, offlineAfterSeconds: 120, severity: .warning, cooldownSeconds: 0,
            enabled: enabled, createdAt: time, updatedAt: time
        )
    }

    static func group(_ stores: StoreFixture, _ owner: User, _ name: String) async throws -> DeviceGroup {
        try await stores.groups.createGroup(NewGroup(ownerID: owner.id, name: name, description: nil, color: "#abcdef", createdAt: 1000))
    }

    static func create(_ stores: StoreFixture, _ rule: AlertRule) async throws -> AlertRule {
        try await stores.alertRules.createRule(NewAlertRule(rule))
    }

    /// `rule` with the id the store gave it.
    static func withID(_ rule: AlertRule, _ id: Int64) -> AlertRule {
        var copy = rule
        copy.id = id
        return copy
    }

    static func createReadAndList(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let boiler = try await stores.makeDevice(alice, "boiler")
        let fan = try await stores.makeDevice(alice, "fan")
        let pump = try await stores.makeDevice(bob, "pump")
        let lab = try await Self.group(stores, alice, "lab")

        let hot = Self.thresholdRule(alice, "hot boiler", device: boiler)
        let first = try await Self.create(stores, hot)
        #expect(first.id > 0)
        #expect(first == Self.withID(hot, first.id))
        let silent = try await Self.create(stores, Self.offlineRule(alice, "lab silent", group: lab, enabled: false))
        #expect(silent.groupID == lab.id && silent.deviceID == nil && silent.type == .offline && silent.offlineAfterSeconds == 120)
        #expect(silent.key == nil && silent.comparison == nil && silent.threshold == nil && !silent.enabled)
        let fanRule = try await Self.create(stores, Self.thresholdRule(alice, "hot fan", device: fan))
        let bobs = try await Self.create(stores, Self.thresholdRule(bob, "hot pump", device: pump))
        #expect(Set([first.id, silent.id, fanRule.id, bobs.id]).count == 4)
        #expect(bobs.ownerPublicID == bob.publicID)

        #expect(try await stores.alertRules.rule(id: first.id) == first)
        #expect(try await stores.alertRules.rule(id: silent.id) == silent)
        #expect(try await stores.alertRules.rule(id: bobs.id + 1000) == nil)

        let cases: [(AlertRuleQuery, [AlertRule], Int)] = [
            (AlertRuleQuery(), [first, silent, fanRule, bobs], 4),
            (AlertRuleQuery(ownerID: alice.id), [first, silent, fanRule], 3),
            (AlertRuleQuery(ownerID: bob.id), [bobs], 1),
            (AlertRuleQuery(deviceID: boiler.id), [first], 1),
            (AlertRuleQuery(groupID: lab.id), [silent], 1),
            (AlertRuleQuery(enabled: false), [silent], 1),
            (AlertRuleQuery(ownerID: alice.id, enabled: true), [first, fanRule], 2),
            (AlertRuleQuery(ownerID: bob.id, deviceID: boiler.id), [], 0),
            (AlertRuleQuery(ownerID: alice.id, limit: 2, offset: 1), [silent, fanRule], 3),
            (AlertRuleQuery(limit: 1, offset: 3), [bobs], 4),
            (AlertRuleQuery(limit: 10, offset: 10), [], 4),
        ]
        for (query, expected, expectedTotal) in cases {
            let (rules, total) = try await stores.alertRules.rules(query)
            #expect(rules == expected, "\(query)")
            #expect(total == expectedTotal, "\(query)")
        }
    }

    static func uniqueNamePerOwner(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let boiler = try await stores.makeDevice(alice, "boiler")
        let pump = try await stores.makeDevice(bob, "pump")
        let hot = try await Self.create(stores, Self.thresholdRule(alice, "hot", device: boiler))
        let duplicate = await #expect(throws: UniqueViolation.self) {
            _ = try await Self.create(stores, Self.offlineRule(alice, "hot", device: boiler))
        }
        #expect(duplicate?.field == "name")
        // Another owner may use the name.
        _ = try await Self.create(stores, Self.thresholdRule(bob, "hot", device: pump))
        var cold = try await Self.create(stores, Self.thresholdRule(alice, "cold", device: boiler))
        cold.name = "hot"
        let renamed = await #expect(throws: UniqueViolation.self) { _ = try await stores.alertRules.updateRule(cold) }
        #expect(renamed?.field == "name")
        #expect(try await stores.alertRules.rule(id: hot.id) == hot)
        #expect(try await stores.alertRules.rule(id: cold.id)?.name == "cold")
        #expect(try await stores.alertRules.rules(AlertRuleQuery(ownerID: alice.id)).total == 2)
    }

    static func updateRule(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let boiler = try await stores.makeDevice(alice, "boiler")
        let lab = try await Self.group(stores, alice, "lab")
        let created = try await Self.create(stores, Self.thresholdRule(alice, "hot", device: boiler, at: 5000))
        var changed = created
        changed.name = "lab quiet"
        changed.deviceID = nil
        changed.groupID = lab.id
        changed.type = .offline
        changed.key = nil
        changed.comparison = nil
        changed.threshold = nil
        changed.durationSeconds = 0
        changed.offlineAfterSeconds = 600
        changed.severity = .info
        changed.cooldownSeconds = 30
        changed.enabled = false
        changed.updatedAt = 9000
        let updated = try await stores.alertRules.updateRule(changed)
        #expect(updated == changed)
        #expect(try await stores.alertRules.rule(id: created.id) == changed)
        // Back to a threshold rule on the device, with a negative threshold and another comparison.
        var back = changed
        back.deviceID = boiler.id
        back.groupID = nil
        back.type = .threshold
        back.key = "pressure"
        back.comparison = .lte
        back.threshold = -2.25
        back.durationSeconds = 15
        back.offlineAfterSeconds = nil
        back.enabled = true
        back.updatedAt = 9500
        #expect(try await stores.alertRules.updateRule(back) == back)
        #expect(try await stores.alertRules.rules(AlertRuleQuery(deviceID: boiler.id)).rules == [back])
        #expect(try await stores.alertRules.rules(AlertRuleQuery(groupID: lab.id)).total == 0)
        // Creation time and owner stay as stored.
        var rewritten = back
        rewritten.createdAt = 1
        #expect(try await stores.alertRules.updateRule(rewritten)?.createdAt == 5000)
        var missing = back
        missing.id = created.id + 1000
        #expect(try await stores.alertRules.updateRule(missing) == nil)
        #expect(try await stores.alertRules.rules(AlertRuleQuery()).total == 1)
    }

    static func deleteRule(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let boiler = try await stores.makeDevice(alice, "boiler")
        let hot = try await Self.create(stores, Self.thresholdRule(alice, "hot", device: boiler))
        let silent = try await Self.create(stores, Self.offlineRule(alice, "silent", device: boiler))
        #expect(try await stores.alertRules.deleteRule(id: hot.id))
        #expect(try await stores.alertRules.rule(id: hot.id) == nil)
        #expect(try await stores.alertRules.deleteRule(id: hot.id) == false)
        #expect(try await stores.alertRules.rules(AlertRuleQuery()).rules == [silent])
        // The name is free again.
        _ = try await Self.create(stores, Self.thresholdRule(alice, "hot", device: boiler))
    }

    static func rulesGoWithTheirOwnerDeviceOrGroup(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let boiler = try await stores.makeDevice(alice, "boiler")
        let fan = try await stores.makeDevice(alice, "fan")
        let lab = try await Self.group(stores, alice, "lab")
        let roof = try await Self.group(stores, alice, "roof")
        _ = try await stores.groups.addMembers(groupID: lab.id, deviceIDs: [boiler.id], now: 1000)
        let onBoiler = try await Self.create(stores, Self.thresholdRule(alice, "boiler hot", device: boiler))
        let onFan = try await Self.create(stores, Self.thresholdRule(alice, "fan hot", device: fan))
        let onLab = try await Self.create(stores, Self.offlineRule(alice, "lab silent", group: lab))
        let onRoof = try await Self.create(stores, Self.offlineRule(alice, "roof silent", group: roof))
        let pump = try await stores.makeDevice(bob, "pump")
        let bobs = try await Self.create(stores, Self.thresholdRule(bob, "pump hot", device: pump))

        // Deleting a device takes its rules, not the rules of its groups.
        try await stores.devices.deleteDevice(id: boiler.id)
        #expect(try await stores.alertRules.rule(id: onBoiler.id) == nil)
        #expect(try await stores.alertRules.rules(AlertRuleQuery(ownerID: alice.id)).rules == [onFan, onLab, onRoof])
        try await stores.groups.deleteGroup(id: lab.id)
        #expect(try await stores.alertRules.rule(id: onLab.id) == nil)
        #expect(try await stores.alertRules.rules(AlertRuleQuery(ownerID: alice.id)).rules == [onFan, onRoof])
        // Deleting the owner takes the rest; other owners keep theirs.
        try await stores.accounts.deleteUser(id: alice.id)
        #expect(try await stores.alertRules.rules(AlertRuleQuery()).rules == [bobs])
    }

    static func enabledRulesFollowGroupMembership(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let boiler = try await stores.makeDevice(alice, "boiler")
        let fan = try await stores.makeDevice(alice, "fan")
        let pump = try await stores.makeDevice(alice, "pump")
        let idle = try await stores.makeDevice(alice, "idle")
        let lab = try await Self.group(stores, alice, "lab")
        let roof = try await Self.group(stores, alice, "roof")
        _ = try await stores.groups.addMembers(groupID: lab.id, deviceIDs: [boiler.id, fan.id], now: 1000)
        _ = try await stores.groups.addMembers(groupID: roof.id, deviceIDs: [boiler.id], now: 1000)
        let onBoiler = try await Self.create(stores, Self.thresholdRule(alice, "boiler hot", device: boiler))
        let onLab = try await Self.create(stores, Self.offlineRule(alice, "lab silent", group: lab))
        let onRoof = try await Self.create(stores, Self.thresholdRule(alice, "roof hot", group: roof))
        _ = try await Self.create(stores, Self.thresholdRule(alice, "boiler off", device: boiler, enabled: false))
        _ = try await Self.create(stores, Self.thresholdRule(alice, "lab off", group: lab, enabled: false))

        let ids = [boiler.id, fan.id, pump.id, idle.id]
        var rules = try await stores.alertRules.enabledRules(deviceIDs: ids)
        #expect(Set((rules[boiler.id] ?? []).map(\.id)) == [onBoiler.id, onLab.id, onRoof.id])
        #expect((rules[boiler.id] ?? []).count == 3)
        #expect(rules[fan.id] == [onLab])
        #expect((rules[pump.id] ?? []).isEmpty && (rules[idle.id] ?? []).isEmpty)
        #expect(try await stores.alertRules.enabledRules(deviceIDs: []).isEmpty)

        // Membership is read as it is now: pump joins the lab, fan leaves it.
        _ = try await stores.groups.addMembers(groupID: lab.id, deviceIDs: [pump.id], now: 2000)
        #expect(try await stores.groups.removeMember(groupID: lab.id, deviceID: fan.id))
        rules = try await stores.alertRules.enabledRules(deviceIDs: ids)
        #expect(rules[pump.id] == [onLab])
        #expect((rules[fan.id] ?? []).isEmpty)
        #expect(Set((rules[boiler.id] ?? []).map(\.id)) == [onBoiler.id, onLab.id, onRoof.id])

        // Disabling a rule removes it everywhere; only asked-for devices are answered.
        var disabled = onLab
        disabled.enabled = false
        _ = try await stores.alertRules.updateRule(disabled)
        rules = try await stores.alertRules.enabledRules(deviceIDs: [pump.id, boiler.id])
        #expect((rules[pump.id] ?? []).isEmpty)
        #expect(Set((rules[boiler.id] ?? []).map(\.id)) == [onBoiler.id, onRoof.id])
        #expect(rules[fan.id] == nil)
    }

    static func enabledOfflineRules(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let boiler = try await stores.makeDevice(alice, "boiler")
        let pump = try await stores.makeDevice(bob, "pump")
        let lab = try await Self.group(stores, alice, "lab")
        #expect(try await stores.alertRules.enabledOfflineRules().isEmpty)
        let first = try await Self.create(stores, Self.offlineRule(alice, "boiler silent", device: boiler))
        _ = try await Self.create(stores, Self.thresholdRule(alice, "boiler hot", device: boiler))
        _ = try await Self.create(stores, Self.offlineRule(alice, "lab silent", group: lab, enabled: false))
        let third = try await Self.create(stores, Self.offlineRule(alice, "lab quiet", group: lab))
        let bobs = try await Self.create(stores, Self.offlineRule(bob, "pump silent", device: pump))
        #expect(try await stores.alertRules.enabledOfflineRules() == [first, third, bobs])
    }

    static func leases(_ stores: StoreFixture) async throws {
        let rules = stores.alertRules
        #expect(try await rules.acquireLease("offline-sweep", holder: "a", now: 1000, milliseconds: 500))
        // Another holder is refused until the lease expires; the holder renews.
        #expect(try await rules.acquireLease("offline-sweep", holder: "b", now: 1200, milliseconds: 500) == false)
        #expect(try await rules.acquireLease("offline-sweep", holder: "a", now: 1300, milliseconds: 500))
        #expect(try await rules.acquireLease("offline-sweep", holder: "b", now: 1600, milliseconds: 500) == false)
        #expect(try await rules.acquireLease("offline-sweep", holder: "b", now: 1799, milliseconds: 500) == false)
        // Expired at 1800: b takes it, and now a is the one refused.
        #expect(try await rules.acquireLease("offline-sweep", holder: "b", now: 1800, milliseconds: 500))
        #expect(try await rules.acquireLease("offline-sweep", holder: "a", now: 1900, milliseconds: 500) == false)
        // Leases are independent by name.
        #expect(try await rules.acquireLease("retention", holder: "a", now: 1900, milliseconds: 500))
        #expect(try await rules.acquireLease("retention", holder: "b", now: 1950, milliseconds: 500) == false)
    }

    static func oneHolderWinsARace(_ stores: StoreFixture) async throws {
        let rules = stores.alertRules
        let holders = (0..<12).map { "instance-\($0)" }
        let winners = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for holder in holders {
                group.addTask { (holder, try await rules.acquireLease("sweep", holder: holder, now: 10_000, milliseconds: 1000)) }
            }
            var winners: [String] = []
            for try await (holder, won) in group where won { winners.append(holder) }
            return winners
        }
        try #require(winners.count == 1)
        // The winner holds it: everyone else is still refused, the winner renews.
        for holder in holders where holder != winners[0] {
            #expect(try await rules.acquireLease("sweep", holder: holder, now: 10_500, milliseconds: 1000) == false)
        }
        #expect(try await rules.acquireLease("sweep", holder: winners[0], now: 10_500, milliseconds: 1000))
    }
}
