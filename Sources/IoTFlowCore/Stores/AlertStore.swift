/// Alerts and their lifecycle: events-role data. Implementations: SQLite, PostgreSQL, MongoDB.
///
/// The store itself guarantees at most one unresolved alert per rule and device, so instances evaluating the same
/// device at once cannot both open one.
public protocol AlertStore: Sendable {
    /// Inserts `alert` (its `id` is ignored, its status is `active`) unless an unresolved alert of the same rule and
    /// device exists; returns the stored alert, or nil when one already existed.
    func openAlert(_ alert: Alert) async throws -> Alert?
    /// The alert with this id.
    func alert(id: Int64) async throws -> Alert?
    /// A page of alerts, newest `triggered_at` first (then highest id), and the total matching.
    func alerts(_ query: AlertQuery) async throws -> (alerts: [Alert], total: Int)
    /// Every unresolved alert of these devices.
    func unresolvedAlerts(deviceIDs: [Int64]) async throws -> [Alert]
    /// Applies the transition when the alert's status is one of `from`; returns the changed alert, nil when the
    /// alert does not exist or was in another status.
    func transition(_ transition: AlertTransition) async throws -> Alert?
    /// Records the latest evaluated value of an unresolved alert.
    func recordValue(alertID: Int64, value: Double?, at timestamp: Int64) async throws
    /// When the latest resolved alert of this rule and device was resolved, epoch ms (for cooldowns).
    func lastResolution(ruleID: Int64, deviceID: Int64) async throws -> Int64?
    /// Resolves every unresolved alert of a rule; returns them as resolved.
    func resolveAll(ruleID: Int64, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert]
    /// Resolves every unresolved alert of a device; returns them as resolved.
    func resolveAll(deviceID: Int64, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert]
    /// Counts over alerts triggered in `[start, end)`, of one owner or of everyone, computed in the store.
    func summary(userPublicID: String?, start: Int64, end: Int64) async throws -> AlertSummary
    /// Active and acknowledged alerts now, and those resolved since `resolvedSince`.
    func statistics(resolvedSince: Int64) async throws -> AlertStatistics
    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
}
