/// Alert rules and alerts as their owners (and admins) see them: validation, access, lifecycle and events.
public struct AlertService: Sendable {
    let deps: Dependencies

    /// Creates the service.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    // MARK: Rules

    /// Creates a rule on one of the owner's devices or groups.
    public func createRule(owner: User, _ command: CreateAlertRule) async throws -> AlertRule {
        let now = self.deps.clock.nowMilliseconds()
        let rule = try AlertRuleDraft(command).validated(id: 0, owner: owner, createdAt: now, now: now)
        try await self.requireTarget(of: rule, owner: owner)
        let created: AlertRule
        do {
            created = try await self.deps.alertRules.createRule(NewAlertRule(rule))
        } catch is UniqueViolation {
            throw IoTFlowError.conflict("You already have an alert rule named '\(rule.name)'.")
        }
        await self.deps.ruleCache.invalidate()
        self.record(EventType.alertRuleCreated, created)
        return created
    }

    /// A page of the owner's rules by id.
    public func rules(owner: User, filter: AlertRuleFilter) async throws -> Page<AlertRule> {
        let paging = filter.page.paging()
        let query = AlertRuleQuery(
            ownerID: owner.id, deviceID: filter.deviceID, groupID: filter.groupID, enabled: filter.enabled, limit: paging.limit, offset: paging.offset
        )
        let found = try await self.deps.alertRules.rules(query)
        return Page(items: found.rules, total: found.total, paging: paging)
    }

    /// One of the caller's rules.
    public func rule(_ id: Int64, principal: Principal) async throws -> AlertRule {
        try await self.ownedRule(id, principal: principal)
    }

    /// Applies `update`; the result must be a valid rule on one of the owner's devices or groups.
    public func updateRule(_ id: Int64, principal: Principal, _ update: AlertRuleUpdate) async throws -> AlertRule {
        let rule = try await self.ownedRule(id, principal: principal)
        guard case .user(let owner) = principal else { throw Self.ruleNotFound(id) }
        let changed = try AlertRuleDraft(rule, update).validated(
            id: rule.id, owner: owner, createdAt: rule.createdAt, now: self.deps.clock.nowMilliseconds())
        if changed.deviceID != rule.deviceID || changed.groupID != rule.groupID { try await self.requireTarget(of: changed, owner: owner) }
        let updated: AlertRule
        do {
            guard let stored = try await self.deps.alertRules.updateRule(changed) else { throw Self.ruleNotFound(id) }
            updated = stored
        } catch is UniqueViolation {
            throw IoTFlowError.conflict("You already have an alert rule named '\(changed.name)'.")
        }
        await self.deps.ruleCache.invalidate()
        self.record(EventType.alertRuleUpdated, updated)
        return updated
    }

    /// Deletes the rule and resolves its unresolved alerts (`rule_deleted`).
    public func deleteRule(_ id: Int64, principal: Principal) async throws {
        let rule = try await self.ownedRule(id, principal: principal)
        guard try await self.deps.alertRules.deleteRule(id: id) else { throw Self.ruleNotFound(id) }
        await self.deps.ruleCache.invalidate()
        self.record(EventType.alertRuleDeleted, rule)
        let resolved = try await self.deps.alerts.resolveAll(ruleID: id, by: .ruleDeleted, at: self.deps.clock.nowMilliseconds())
        for alert in resolved { AlertNotices(self.deps).announce(alert, as: EventType.alertResolved) }
    }

    // MARK: Alerts

    /// A page of alerts, newest first: the caller's own, or for admins everyone's (or one user's).
    public func alerts(principal: Principal, filter: AlertFilter) async throws -> Page<Alert> {
        let paging = filter.page.paging()
        var query = AlertQuery(limit: paging.limit, offset: paging.offset)
        query.userPublicID = try self.visibleOwner(principal: principal, requested: filter.userPublicID)
        query.status = try filter.status.map { text throws(IoTFlowError) in
            guard let status = AlertStatus(rawValue: text) else { throw .badRequest("'status' must be active, acknowledged or resolved.") }
            return status
        }
        query.severity = try filter.severity.map { text throws(IoTFlowError) in
            guard let severity = AlertSeverity(rawValue: text) else { throw .badRequest("'severity' must be info, warning or critical.") }
            return severity
        }
        query.deviceID = filter.deviceID
        query.ruleID = filter.ruleID
        let now = self.deps.clock.nowMilliseconds()
        query.start = filter.start?.resolve(now: now)
        query.end = filter.end?.resolve(now: now)
        if let start = query.start, let end = query.end, start > end { throw IoTFlowError.badRequest("'start_time' must not be after 'end_time'.") }
        let found = try await self.deps.alerts.alerts(query)
        return Page(items: found.alerts, total: found.total, paging: paging)
    }

    /// One alert, for its owner or an admin.
    public func alert(_ id: Int64, principal: Principal) async throws -> Alert {
        let alert = try await self.find(id)
        switch principal {
        case .adminToken: return alert
        case .user(let user) where user.isAdmin || user.publicID == alert.userPublicID: return alert
        default: throw Self.alertNotFound(id)
        }
    }

    /// Acknowledges an active alert of the owner.
    public func acknowledge(_ id: Int64, principal: Principal, note: String?) async throws -> Alert {
        _ = try await self.ownedAlert(id, principal: principal)
        let note = try Text.optional(note, field: "note", maxBytes: 1000)
        let transition = AlertTransition(alertID: id, to: .acknowledged, from: [.active], at: self.deps.clock.nowMilliseconds(), note: note)
        guard let changed = try await self.deps.alerts.transition(transition) else {
            throw IoTFlowError.conflict("Alert \(id) is \(try await self.find(id).status.rawValue); only an active alert can be acknowledged.")
        }
        AlertNotices(self.deps).announce(changed, as: EventType.alertAcknowledged)
        return changed
    }

    /// Resolves an active or acknowledged alert of the owner.
    public func resolve(_ id: Int64, principal: Principal, note: String?) async throws -> Alert {
        _ = try await self.ownedAlert(id, principal: principal)
        let note = try Text.optional(note, field: "note", maxBytes: 1000)
        let transition = AlertTransition(
            alertID: id, to: .resolved, from: [.active, .acknowledged], at: self.deps.clock.nowMilliseconds(), resolvedBy: .user, note: note)
        guard let changed = try await self.deps.alerts.transition(transition) else {
            throw IoTFlowError.conflict("Alert \(id) is already resolved.")
        }
        AlertNotices(self.deps).announce(changed, as: EventType.alertResolved)
        return changed
    }

    /// Counts of the alerts triggered in a range (default the last 7 days): the caller's, or for admins everyone's.
    public func summary(principal: Principal, userPublicID: String?, start: TimeSpec?, end: TimeSpec?) async throws -> AlertSummary {
        let owner = try self.visibleOwner(principal: principal, requested: userPublicID)
        let (from, to) = try TelemetryService.range(
            start, end, defaultStart: .ago(milliseconds: 7 * 86_400_000), endName: "end_time", now: self.deps.clock.nowMilliseconds())
        return try await self.deps.alerts.summary(userPublicID: owner, start: from, end: to)
    }

    // MARK: Hooks of other services

    /// Devices were deleted: their unresolved alerts resolve (`device_deleted`) and rule caches start again.
    func devicesDeleted(_ ids: [Int64]) async {
        await self.deps.ruleCache.invalidate()
        let now = self.deps.clock.nowMilliseconds()
        for id in ids {
            // The device is gone either way; an alert left open here is resolved by the next deletion sweep or by hand.
            guard let resolved = try? await self.deps.alerts.resolveAll(deviceID: id, by: .deviceDeleted, at: now) else { continue }
            for alert in resolved { AlertNotices(self.deps).announce(alert, as: EventType.alertResolved) }
        }
    }

    /// Group memberships changed (or a group went): rule caches start again.
    func membershipChanged() async {
        await self.deps.ruleCache.invalidate()
    }

    // MARK: Access

    private func requireTarget(of rule: AlertRule, owner: User) async throws {
        if let deviceID = rule.deviceID {
            guard try await self.deps.devices.ownedDeviceIDs([deviceID], ownerID: owner.id).contains(deviceID) else {
                throw Access.deviceNotFound(deviceID)
            }
        }
        if let groupID = rule.groupID {
            guard let group = try await self.deps.groups.group(id: groupID), group.ownerID == owner.id else {
                throw IoTFlowError.notFound("Group \(groupID) was not found.")
            }
        }
    }

    private func ownedRule(_ id: Int64, principal: Principal) async throws -> AlertRule {
        guard case .user(let user) = principal, let rule = try await self.deps.alertRules.rule(id: id), rule.ownerID == user.id else {
            throw Self.ruleNotFound(id)
        }
        return rule
    }

    private func ownedAlert(_ id: Int64, principal: Principal) async throws -> Alert {
        let alert = try await self.find(id)
        guard case .user(let user) = principal, user.publicID == alert.userPublicID else { throw Self.alertNotFound(id) }
        return alert
    }

    private func find(_ id: Int64) async throws -> Alert {
        guard let alert = try await self.deps.alerts.alert(id: id) else { throw Self.alertNotFound(id) }
        return alert
    }

    /// The owner whose alerts the caller may read: itself, or for admins anyone (nil: everyone).
    private func visibleOwner(principal: Principal, requested: String?) throws(IoTFlowError) -> String? {
        if let requested, !AccountService.isPublicID(requested) { throw .badRequest("'user_id' must be a 32-character hex user id.") }
        if principal.isAdmin { return requested }
        guard case .user(let user) = principal else { throw .unauthorized("Sign in to read alerts.") }
        if let requested, requested != user.publicID { throw .forbidden("Only administrators may read other users' alerts.") }
        return user.publicID
    }

    private func record(_ type: String, _ rule: AlertRule) {
        var details: JSONObject = ["rule_id": .integer(rule.id), "name": .string(rule.name), "type": .string(rule.type.rawValue)]
        if let groupID = rule.groupID { details["group_id"] = .integer(groupID) }
        self.deps.events.record(
            Event(
                type: type, timestamp: self.deps.clock.nowMilliseconds(), userPublicID: rule.ownerPublicID, deviceID: rule.deviceID, details: details)
        )
    }

    private static func ruleNotFound(_ id: Int64) -> IoTFlowError {
        .notFound("Alert rule \(id) was not found.")
    }

    private static func alertNotFound(_ id: Int64) -> IoTFlowError {
        .notFound("Alert \(id) was not found.")
    }
}
