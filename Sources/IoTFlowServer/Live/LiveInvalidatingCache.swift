import IoTFlowCore

/// The cache the services use, telling the live hub about every invalidation on the way: a revoked token, a
/// deleted or re-keyed device and a changed user all pass through the cache (or the old credential would keep
/// working from it), so the streams that rest on them are checked again at once, here and through the relay.
/// Everything else goes straight to the cache.
struct LiveInvalidatingCache: Cache {
    let base: any Cache
    let hub: LiveHub

    func device(keyHash: String) async -> AuthenticatedDevice? {
        await self.base.device(keyHash: keyHash)
    }

    func storeDevice(_ device: AuthenticatedDevice, keyHash: String, readStartedAt: Int64) async {
        await self.base.storeDevice(device, keyHash: keyHash, readStartedAt: readStartedAt)
    }

    func invalidateDevice(id: Int64) async {
        await self.base.invalidateDevice(id: id)
        await self.hub.changed([.device(id)])
    }

    func invalidateDevices(ownerID: Int64) async {
        await self.base.invalidateDevices(ownerID: ownerID)
        await self.hub.changed([.owner(ownerID)])
    }

    func session(tokenHash: String) async -> TokenSession? {
        await self.base.session(tokenHash: tokenHash)
    }

    func storeSession(_ session: TokenSession, tokenHash: String, readStartedAt: Int64) async {
        await self.base.storeSession(session, tokenHash: tokenHash, readStartedAt: readStartedAt)
    }

    func invalidateToken(hash: String) async {
        await self.base.invalidateToken(hash: hash)
        await self.hub.changed([.token(hash)])
    }

    func invalidateUser(id: Int64) async {
        await self.base.invalidateUser(id: id)
        await self.hub.changed([.user(id)])
    }

    func latest(deviceID: Int64) async -> [LatestValue]? {
        await self.base.latest(deviceID: deviceID)
    }

    func storeLatest(_ values: [LatestValue], deviceID: Int64, readStartedAt: Int64) async {
        await self.base.storeLatest(values, deviceID: deviceID, readStartedAt: readStartedAt)
    }

    func mergeLatest(_ values: [LatestValue], deviceID: Int64) async {
        await self.base.mergeLatest(values, deviceID: deviceID)
    }

    func invalidateLatest(deviceID: Int64) async {
        await self.base.invalidateLatest(deviceID: deviceID)
    }

    func markOnline(_ lastSeen: [Int64: Int64]) async {
        await self.base.markOnline(lastSeen)
    }

    func onlineDevices(since: Int64) async -> Int? {
        await self.base.onlineDevices(since: since)
    }

    func forgetOnline(deviceIDs: [Int64]) async {
        await self.base.forgetOnline(deviceIDs: deviceIDs)
    }

    func increment(_ key: String, by amount: Int, windowSeconds: Int) async -> RateWindow {
        await self.base.increment(key, by: amount, windowSeconds: windowSeconds)
    }

    func alertRulesChanged() async {
        await self.base.alertRulesChanged()
    }

    func alertRulesVersion() async -> Int64? {
        await self.base.alertRulesVersion()
    }

    func statistics() async -> CacheStatistics {
        await self.base.statistics()
    }

    func ping() async throws -> Double {
        try await self.base.ping()
    }
}
