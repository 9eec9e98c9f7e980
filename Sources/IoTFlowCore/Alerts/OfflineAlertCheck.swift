/// One pass over the offline rules: fires an alert for every watched device silent for longer than its rule
/// allows, and resolves those seen again. The server runs it on a timer, on one instance at a time.
public struct OfflineAlertCheck: Sendable {
    let deps: Dependencies

    /// Creates the check.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// Checks every enabled offline rule against the registry's `last_seen` at `now`.
    public func run(now: Int64) async throws {
        let rules = try await self.deps.alertRules.enabledOfflineRules()
        guard !rules.isEmpty else { return }
        let groupIDs = Array(Set(rules.compactMap(\.groupID)))
        let members = groupIDs.isEmpty ? [:] : try await self.deps.groups.members(groupIDs: groupIDs)
        var targets: [(rule: AlertRule, deviceID: Int64)] = []
        for rule in rules {
            if let deviceID = rule.deviceID { targets.append((rule, deviceID)) }
            if let groupID = rule.groupID { targets += (members[groupID] ?? []).map { (rule, $0.device.id) } }
        }
        let deviceIDs = Array(Set(targets.map(\.deviceID)))
        var devices: [Int64: Device] = [:]
        for device in try await self.deps.devices.devices(ids: deviceIDs) { devices[device.id] = device }
        var open: [AlertEvaluator.Pair: Alert] = [:]
        for alert in try await self.deps.alerts.unresolvedAlerts(deviceIDs: deviceIDs) where alert.type == .offline {
            open[AlertEvaluator.Pair(ruleID: alert.ruleID, deviceID: alert.deviceID)] = alert
        }
        for (rule, deviceID) in targets {
            guard let device = devices[deviceID], let seconds = rule.offlineAfterSeconds else { continue }
            let pair = AlertEvaluator.Pair(ruleID: rule.id, deviceID: deviceID)
            let silentSince = device.lastSeen ?? device.createdAt
            let silent = now - silentSince >= Int64(seconds) * 1000
            if let alert = open[pair] {
                guard !silent else { continue }
                let transition = AlertTransition(alertID: alert.id, to: .resolved, from: [.active, .acknowledged], at: now, resolvedBy: .auto)
                if let resolved = try await self.deps.alerts.transition(transition) {
                    AlertNotices(self.deps).announce(resolved, as: EventType.alertResolved)
                }
                continue
            }
            // Devices that are not `active` are not expected to report (maintenance, retired).
            guard silent, device.status == .active else { continue }
            if let resolvedAt = try await self.deps.alerts.lastResolution(ruleID: rule.id, deviceID: deviceID),
                now < resolvedAt + Int64(rule.cooldownSeconds) * 1000
            {
                continue
            }
            let candidate = AlertMessages.offline(rule: rule, device: device, at: now, lastSeen: device.lastSeen)
            if let opened = try await self.deps.alerts.openAlert(candidate) {
                AlertNotices(self.deps).announce(opened, as: EventType.alertTriggered)
            }
        }
    }
}
