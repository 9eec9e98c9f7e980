/// Turns committed points into alert transitions: fires threshold alerts once their condition has held for the
/// rule's duration, resolves them on the first point where it no longer holds, and resolves offline alerts when
/// their device is seen again.
///
/// What this instance remembers (trackers, cooldowns) only saves store reads; decisions that must be right across
/// instances go to the stores: the one unresolved alert per rule and device is the alert store's uniqueness, a
/// duration is checked against the stored history before firing, and a point older than an alert's latest
/// evaluated point leaves it alone.
public actor AlertEvaluator {
    /// One rule on one device.
    struct Pair: Hashable {
        let ruleID: Int64
        let deviceID: Int64
    }

    /// Points read back per history query when checking a duration; a longer run is checked on its newest points.
    static let historyLimit = 10_000

    private let deps: Dependencies
    private var trackers: [Pair: ThresholdTracker] = [:]
    /// Until when (point time) a rule may not fire again on a device, as last read from the store.
    private var cooldownUntil: [Pair: Int64] = [:]
    /// Latest evaluated point time of open alerts, not yet stored: written by ``flushValueTimes()`` about once a
    /// second rather than with every batch, since each would be a write transaction of its own.
    private var pendingValueTimes: [Int64: (alert: Alert, at: Int64)] = [:]

    /// Creates an evaluator over the shared stores.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// Evaluates the points of committed writes, in timestamp order per device.
    public func evaluate(_ writes: [TelemetryWrite]) async throws {
        var pointsByDevice: [Int64: [TelemetryPoint]] = [:]
        for write in writes { pointsByDevice[write.deviceID, default: []].append(contentsOf: write.points) }
        let rulesByDevice = try await self.deps.ruleCache.rules(deviceIDs: Array(pointsByDevice.keys))
        guard !rulesByDevice.isEmpty else { return }
        var open: [Pair: Alert] = [:]
        for alert in try await self.deps.alerts.unresolvedAlerts(deviceIDs: Array(rulesByDevice.keys)) {
            open[Pair(ruleID: alert.ruleID, deviceID: alert.deviceID)] = alert
        }
        for (deviceID, rules) in rulesByDevice {
            // Stable, so two values of one key at one timestamp keep their order: the later wins, as in the store.
            let points = (pointsByDevice[deviceID] ?? []).enumerated().sorted {
                ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset)
            }
            .map(\.element)
            for rule in rules {
                let pair = Pair(ruleID: rule.id, deviceID: deviceID)
                switch rule.type {
                case .offline:
                    if let alert = open[pair] { try await self.resolve(alert, at: self.deps.clock.nowMilliseconds(), value: nil) }
                case .threshold:
                    try await self.evaluate(rule, deviceID: deviceID, points: points, open: open[pair])
                }
            }
        }
    }

    /// Forgets what this instance knew of a rule (deleted or changed).
    public func forget(ruleID: Int64) {
        self.trackers = self.trackers.filter { $0.key.ruleID != ruleID }
        self.cooldownUntil = self.cooldownUntil.filter { $0.key.ruleID != ruleID }
    }

    private func evaluate(_ rule: AlertRule, deviceID: Int64, points: [TelemetryPoint], open: Alert?) async throws {
        guard let key = rule.key else { return }
        let pair = Pair(ruleID: rule.id, deviceID: deviceID)
        var tracker = self.trackers[pair] ?? ThresholdTracker()
        var alert = open
        var lastValueAt: Int64?
        defer { self.trackers[pair] = tracker }
        for point in points {
            guard let value = point.values.last(where: { $0.key == key })?.value else { continue }
            let wasCold = tracker.isCold
            let observation = tracker.observe(point.timestamp, holds: rule.holds(value))
            if let current = alert, point.timestamp < (current.lastValueAt ?? current.triggeredAt) { continue }
            switch observation {
            case .stale:
                continue
            case .clear:
                if let current = alert {
                    try await self.resolve(current, at: point.timestamp, value: value.alertNumber)
                    alert = nil
                    lastValueAt = nil
                    self.cooldownUntil[pair] = point.timestamp + Int64(rule.cooldownSeconds) * 1000
                }
            case .holding(let since):
                if alert != nil {
                    lastValueAt = point.timestamp
                    continue
                }
                let duration = Int64(rule.durationSeconds) * 1000
                guard duration == 0 || wasCold || point.timestamp - since >= duration else { continue }
                if let until = self.cooldownUntil[pair], point.timestamp < until { continue }
                if duration > 0 {
                    let start = try await self.runStart(rule, key: key, deviceID: deviceID, at: point.timestamp)
                    tracker.restart(holdingSince: start)
                    guard let start, point.timestamp - start >= duration else { continue }
                }
                if let resolvedAt = try await self.deps.alerts.lastResolution(ruleID: rule.id, deviceID: deviceID) {
                    let until = resolvedAt + Int64(rule.cooldownSeconds) * 1000
                    self.cooldownUntil[pair] = until
                    if point.timestamp < until { continue }
                }
                alert = try await self.fire(rule, deviceID: deviceID, at: point.timestamp, value: value.alertNumber)
            }
        }
        if let current = alert, let lastValueAt, lastValueAt > (current.lastValueAt ?? current.triggeredAt) {
            let pending = self.pendingValueTimes[current.id]?.at ?? Int64.min
            if lastValueAt > pending { self.pendingValueTimes[current.id] = (current, lastValueAt) }
        }
    }

    /// Where the stored run of points satisfying the rule, ending at `timestamp`, starts; nil when the point at
    /// `timestamp` itself does not satisfy it (another instance stored a newer value).
    private func runStart(_ rule: AlertRule, key: String, deviceID: Int64, at timestamp: Int64) async throws -> Int64? {
        let duration = Int64(rule.durationSeconds) * 1000
        let window = HistoryQuery(
            deviceID: deviceID, start: timestamp - duration, end: timestamp + 1, keys: [key], limit: Self.historyLimit, descending: true,
            includeMetadata: false)
        var start: Int64?
        for entry in try await self.deps.telemetry.history(window) {
            guard let value = entry.measurements.first(where: { $0.key == key })?.value else { continue }
            guard rule.holds(value) else { return start }
            start = entry.timestamp
        }
        guard let earliest = start else { return nil }
        if earliest == timestamp - duration { return earliest }
        // The run reaches the start of the window only if the point before it satisfies the rule too.
        let before = HistoryQuery(
            deviceID: deviceID, start: Int64.min / 2, end: timestamp - duration, keys: [key], limit: 1, descending: true, includeMetadata: false)
        if let previous = try await self.deps.telemetry.history(before).first,
            let value = previous.measurements.first(where: { $0.key == key })?.value, rule.holds(value)
        {
            return previous.timestamp
        }
        return earliest
    }

    private func fire(_ rule: AlertRule, deviceID: Int64, at timestamp: Int64, value: Double?) async throws -> Alert? {
        guard let device = try await self.deps.devices.device(id: deviceID) else { return nil }
        let candidate = AlertMessages.threshold(rule: rule, device: device, at: timestamp, value: value)
        guard let opened = try await self.deps.alerts.openAlert(candidate) else {
            // Another instance fired first: its alert is the one; the next batch reads it.
            return nil
        }
        AlertNotices(self.deps).announce(opened, as: EventType.alertTriggered)
        return opened
    }

    /// Stores the latest evaluated point time of every open alert that moved since the last flush.
    public func flushValueTimes() async throws {
        var pending = self.pendingValueTimes
        self.pendingValueTimes.removeAll()
        while let (id, entry) = pending.first {
            do {
                // `value` stays the one that fired the alert; only the time of the latest evaluated point moves.
                try await self.deps.alerts.recordValue(alertID: id, value: entry.alert.value, at: entry.at)
                pending[id] = nil
            } catch {
                // Kept for the next flush, unless newer times or a resolution arrived meanwhile.
                for (id, entry) in pending where self.pendingValueTimes[id] == nil { self.pendingValueTimes[id] = entry }
                throw error
            }
        }
    }

    private func resolve(_ alert: Alert, at timestamp: Int64, value: Double?) async throws {
        self.pendingValueTimes[alert.id] = nil
        let transition = AlertTransition(alertID: alert.id, to: .resolved, from: [.active, .acknowledged], at: timestamp, resolvedBy: .auto)
        if alert.type == .threshold {
            try await self.deps.alerts.recordValue(alertID: alert.id, value: alert.value, at: timestamp)
        }
        guard let resolved = try await self.deps.alerts.transition(transition) else { return }
        AlertNotices(self.deps).announce(resolved, as: EventType.alertResolved)
    }
}
