import IoTFlowCore
import Testing

/// A session of user `id` whose token expires at `expiresAt`.
func cachedSession(userID: Int64, expiresAt: Int64) -> TokenSession {
    let user = User(
        id: userID, publicID: String(repeating: "a", count: 32), username: "user\(userID)", email: "u\(userID)@example.com",
        passwordHash: "$2b$04$secret", isActive: true, isAdmin: false, createdAt: 0, updatedAt: 0, lastLogin: nil
    )
    return TokenSession(user: user, expiresAt: expiresAt)
}

@Suite("InMemoryCache: sessions and reads racing invalidations")
struct InMemoryCacheCoherenceTests {
    @Test("a device read before its invalidation is not stored; one read after it is")
    func deviceReadRacingInvalidation() async {
        let clock = ManualWallClock(10_000)
        let cache = InMemoryCache(clock: clock)
        let readStartedAt = clock.nowMilliseconds()
        clock.advance(by: 5)
        await cache.invalidateDevice(id: 1)
        clock.advance(by: 5)
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "old-key", readStartedAt: readStartedAt)
        #expect(await cache.device(keyHash: "old-key") == nil)
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "new-key", readStartedAt: clock.nowMilliseconds())
        #expect(await cache.device(keyHash: "new-key") != nil)
    }

    @Test("an owner invalidation also blocks a racing store of that owner's device")
    func ownerInvalidationBlocksStore() async {
        let clock = ManualWallClock(10_000)
        let cache = InMemoryCache(clock: clock)
        let readStartedAt = clock.nowMilliseconds()
        clock.advance(by: 1)
        await cache.invalidateDevices(ownerID: 10)
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "k", readStartedAt: readStartedAt)
        await cache.storeDevice(cachedDevice(id: 2, owner: 11), keyHash: "other", readStartedAt: readStartedAt)
        #expect(await cache.device(keyHash: "k") == nil)
        #expect(await cache.device(keyHash: "other") != nil)
    }

    @Test("sessions are stored without the password hash and never outlive their token")
    func sessionExpiry() async {
        let clock = ManualWallClock(1_000)
        let cache = InMemoryCache(clock: clock)
        await cache.storeSession(cachedSession(userID: 1, expiresAt: 3_000), tokenHash: "t", readStartedAt: 1_000)
        let cached = await cache.session(tokenHash: "t")
        #expect(cached?.user.id == 1)
        #expect(cached?.user.passwordHash == "")
        clock.advance(by: 1_999)
        #expect(await cache.session(tokenHash: "t") != nil)
        clock.advance(by: 1)
        #expect(await cache.session(tokenHash: "t") == nil)
    }

    @Test("sessions live at most the session lifetime")
    func sessionLifetime() async {
        let clock = ManualWallClock(0)
        let cache = InMemoryCache(clock: clock, sessionLifetimeMilliseconds: 100)
        await cache.storeSession(cachedSession(userID: 1, expiresAt: 1_000_000), tokenHash: "t", readStartedAt: 0)
        clock.advance(by: 99)
        #expect(await cache.session(tokenHash: "t") != nil)
        clock.advance(by: 1)
        #expect(await cache.session(tokenHash: "t") == nil)
    }

    @Test("logout and user invalidation forget sessions, and block stores read before them")
    func sessionInvalidation() async {
        let clock = ManualWallClock(1_000)
        let cache = InMemoryCache(clock: clock)
        await cache.storeSession(cachedSession(userID: 1, expiresAt: 1_000_000), tokenHash: "a", readStartedAt: 1_000)
        await cache.storeSession(cachedSession(userID: 1, expiresAt: 1_000_000), tokenHash: "b", readStartedAt: 1_000)
        await cache.storeSession(cachedSession(userID: 2, expiresAt: 1_000_000), tokenHash: "c", readStartedAt: 1_000)
        clock.advance(by: 1)
        await cache.invalidateToken(hash: "a")
        #expect(await cache.session(tokenHash: "a") == nil)
        #expect(await cache.session(tokenHash: "b") != nil)
        await cache.invalidateUser(id: 1)
        #expect(await cache.session(tokenHash: "b") == nil)
        #expect(await cache.session(tokenHash: "c") != nil)
        await cache.storeSession(cachedSession(userID: 1, expiresAt: 1_000_000), tokenHash: "a", readStartedAt: 1_000)
        await cache.storeSession(cachedSession(userID: 1, expiresAt: 1_000_000), tokenHash: "b", readStartedAt: 1_000)
        #expect(await cache.session(tokenHash: "a") == nil)
        #expect(await cache.session(tokenHash: "b") == nil)
    }

    @Test("a latest-values snapshot read before a write is not cached over it")
    func latestReadRacingWrite() async {
        let clock = ManualWallClock(1_000)
        let cache = InMemoryCache(clock: clock)
        let readStartedAt = clock.nowMilliseconds()
        clock.advance(by: 1)
        await cache.mergeLatest([LatestValue(key: "t", value: .number(2), timestamp: 900)], deviceID: 1)
        await cache.storeLatest([LatestValue(key: "t", value: .number(1), timestamp: 800)], deviceID: 1, readStartedAt: readStartedAt)
        #expect(await cache.latest(deviceID: 1) == nil)
        clock.advance(by: 1)
        await cache.storeLatest([LatestValue(key: "t", value: .number(2), timestamp: 900)], deviceID: 1, readStartedAt: clock.nowMilliseconds())
        #expect(await cache.latest(deviceID: 1)?.first?.value == .number(2))
    }
}
