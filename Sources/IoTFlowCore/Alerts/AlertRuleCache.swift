/// The enabled rules of each device, kept in process so evaluating a write costs no registry read. Any rule change,
/// group membership change or deletion moves the cache's shared version (``Cache/alertRulesChanged()``), which
/// empties this on every instance; while the version cannot be known (Redis down) the registry is read each time.
public actor AlertRuleCache {
    private var rulesByDevice: [Int64: [AlertRule]] = [:]
    private var version: Int64?
    private let store: any AlertRuleStore
    private let cache: any Cache
    /// Entries kept at most; beyond it the cache starts again empty (rules are cheap to read back).
    private let capacity: Int

    /// Creates an empty cache over the registry's rules.
    public init(store: any AlertRuleStore, cache: any Cache, capacity: Int = 100_000) {
        self.store = store
        self.cache = cache
        self.capacity = capacity
    }

    /// The enabled rules that apply to each of these devices (devices without rules are absent).
    func rules(deviceIDs: [Int64]) async throws -> [Int64: [AlertRule]] {
        let current = await self.cache.alertRulesVersion()
        if current == nil || current != self.version {
            self.rulesByDevice.removeAll(keepingCapacity: true)
            self.version = current
        }
        let missing = deviceIDs.filter { self.rulesByDevice[$0] == nil }
        if !missing.isEmpty {
            let loaded = try await self.store.enabledRules(deviceIDs: missing)
            // A change while the read ran makes it suspect: use it for this evaluation, but do not keep it.
            if current != nil, await self.cache.alertRulesVersion() == current {
                if self.rulesByDevice.count + missing.count > self.capacity { self.rulesByDevice.removeAll(keepingCapacity: true) }
                for id in missing { self.rulesByDevice[id] = loaded[id] ?? [] }
            } else {
                return deviceIDs.reduce(into: [:]) { result, id in
                    if let rules = loaded[id] ?? self.rulesByDevice[id], !rules.isEmpty { result[id] = rules }
                }
            }
        }
        return deviceIDs.reduce(into: [:]) { result, id in
            if let rules = self.rulesByDevice[id], !rules.isEmpty { result[id] = rules }
        }
    }

    /// Forgets everything here and tells the other instances to do the same.
    func invalidate() async {
        self.rulesByDevice.removeAll(keepingCapacity: true)
        await self.cache.alertRulesChanged()
    }
}
