/// Alert rules: registry data next to the devices and groups they watch. Implementations: SQLite, PostgreSQL.
///
/// A rule goes when its owner, device or group is deleted. Writes that would give an owner two rules of one name throw
/// ``UniqueViolation`` (`name`).
public protocol AlertRuleStore: Sendable {
    /// Inserts a rule (its `id` is ignored) and returns it with the store's id.
    func createRule(_ rule: NewAlertRule) async throws -> AlertRule
    /// The rule with this id.
    func rule(id: Int64) async throws -> AlertRule?
    /// A page of rules by id, and the total matching.
    func rules(_ query: AlertRuleQuery) async throws -> (rules: [AlertRule], total: Int)
    /// Stores every field of `rule` (validated by the caller) under its id; nil when it no longer exists.
    func updateRule(_ rule: AlertRule) async throws -> AlertRule?
    /// Deletes the rule; false when it did not exist.
    func deleteRule(id: Int64) async throws -> Bool
    /// Enabled rules that apply to these devices: on the device itself or on a group it belongs to now.
    func enabledRules(deviceIDs: [Int64]) async throws -> [Int64: [AlertRule]]
    /// Every enabled offline rule.
    func enabledOfflineRules() async throws -> [AlertRule]
    /// Takes or renews the named lease for `holder` until `now + milliseconds`; false while another holder's lease
    /// is unexpired. Lets one of several instances run a periodic job.
    func acquireLease(_ name: String, holder: String, now: Int64, milliseconds: Int64) async throws -> Bool
}
