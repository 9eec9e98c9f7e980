import IoTFlowCore
import Testing

/// A device of `owner` as the cache holds it.
func cachedDevice(id: Int64, owner: Int64) -> AuthenticatedDevice {
    let device = Device(
        id: id, ownerID: owner, ownerPublicID: "owner\(owner)", name: "device \(id)", description: nil, deviceType: "sensor",
        status: .active, location: nil, firmwareVersion: nil, hardwareVersion: nil, createdAt: 1000, updatedAt: 1000, lastSeen: nil
    )
    return AuthenticatedDevice(device: device, ownerIsActive: true, ownerPublicID: "owner\(owner)", ownerUsername: "user\(owner)")
}

@Suite("InMemoryCache: devices by key hash")
struct InMemoryCacheDeviceTests {
    @Test("store, get, miss")
    func storeAndGet() async {
        let cache = InMemoryCache(clock: ManualWallClock(1_000_000))
        #expect(await cache.device(keyHash: "h1") == nil)
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "h1", readStartedAt: 0)
        #expect(await cache.device(keyHash: "h1") == cachedDevice(id: 1, owner: 10))
        #expect(await cache.device(keyHash: "h2") == nil)
        await cache.storeDevice(cachedDevice(id: 2, owner: 10), keyHash: "h1", readStartedAt: 0)
        #expect(await cache.device(keyHash: "h1")?.device.id == 2)
    }

    @Test("invalidate by device id removes every key of that device only")
    func invalidateByID() async {
        let cache = InMemoryCache(clock: ManualWallClock(1_000_000))
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "old", readStartedAt: 0)
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "new", readStartedAt: 0)
        await cache.storeDevice(cachedDevice(id: 2, owner: 10), keyHash: "other", readStartedAt: 0)
        await cache.invalidateDevice(id: 1)
        #expect(await cache.device(keyHash: "old") == nil)
        #expect(await cache.device(keyHash: "new") == nil)
        #expect(await cache.device(keyHash: "other")?.device.id == 2)
    }

    @Test("invalidate by owner removes that owner's devices only")
    func invalidateByOwner() async {
        let cache = InMemoryCache(clock: ManualWallClock(1_000_000))
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "a", readStartedAt: 0)
        await cache.storeDevice(cachedDevice(id: 2, owner: 10), keyHash: "b", readStartedAt: 0)
        await cache.storeDevice(cachedDevice(id: 3, owner: 11), keyHash: "c", readStartedAt: 0)
        await cache.invalidateDevices(ownerID: 10)
        #expect(await cache.device(keyHash: "a") == nil)
        #expect(await cache.device(keyHash: "b") == nil)
        #expect(await cache.device(keyHash: "c")?.device.id == 3)
    }

    @Test("device entries live one hour by default")
    func defaultExpiry() async {
        let clock = ManualWallClock(5_000_000)
        let cache = InMemoryCache(clock: clock)
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "h", readStartedAt: 0)
        clock.advance(by: 3_599_999)
        #expect(await cache.device(keyHash: "h") != nil)
        clock.advance(by: 1)
        #expect(await cache.device(keyHash: "h") == nil)
    }

    @Test("a custom lifetime; storing again restarts it")
    func customExpiry() async {
        let clock = ManualWallClock(0)
        let cache = InMemoryCache(clock: clock, deviceLifetimeMilliseconds: 1000)
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "h", readStartedAt: 0)
        clock.advance(by: 900)
        await cache.storeDevice(cachedDevice(id: 1, owner: 10), keyHash: "h", readStartedAt: 0)
        clock.advance(by: 900)
        #expect(await cache.device(keyHash: "h") != nil)
        clock.advance(by: 100)
        #expect(await cache.device(keyHash: "h") == nil)
    }

    @Test("when full, the least recently used entries are evicted")
    func eviction() async {
        let cache = InMemoryCache(clock: ManualWallClock(0), deviceCapacity: 4)
        for (id, hash) in zip(Int64(1)...4, ["a", "b", "c", "d"]) {
            await cache.storeDevice(cachedDevice(id: id, owner: 1), keyHash: hash, readStartedAt: 0)
        }
        #expect(await cache.device(keyHash: "a") != nil)
        await cache.storeDevice(cachedDevice(id: 5, owner: 1), keyHash: "e", readStartedAt: 0)
        #expect(await cache.device(keyHash: "a") != nil)
        #expect(await cache.device(keyHash: "d") != nil)
        #expect(await cache.device(keyHash: "e") != nil)
        #expect(await cache.device(keyHash: "b") == nil)
        #expect(await cache.device(keyHash: "c") == nil)
    }
}
