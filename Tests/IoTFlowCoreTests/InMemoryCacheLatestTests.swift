import IoTFlowCore
import Testing

@Suite("InMemoryCache: latest values and statistics")
struct InMemoryCacheLatestTests {
    @Test("merge: newer timestamps win, older are ignored, new keys are added, result sorted by key")
    func merge() async {
        let cache = InMemoryCache(clock: ManualWallClock(0))
        await cache.storeLatest(
            [LatestValue(key: "t", value: .number(20), timestamp: 2000), LatestValue(key: "h", value: .number(50), timestamp: 2000)],
            deviceID: 7, readStartedAt: 0
        )
        await cache.mergeLatest(
            [
                LatestValue(key: "t", value: .number(19), timestamp: 1000),
                LatestValue(key: "h", value: .number(55), timestamp: 3000),
                LatestValue(key: "a", value: .bool(true), timestamp: 500),
            ],
            deviceID: 7
        )
        #expect(
            await cache.latest(deviceID: 7) == [
                LatestValue(key: "a", value: .bool(true), timestamp: 500),
                LatestValue(key: "h", value: .number(55), timestamp: 3000),
                LatestValue(key: "t", value: .number(20), timestamp: 2000),
            ]
        )
    }

    @Test("merge at an equal timestamp takes the newer set")
    func mergeTie() {
        let merged = LatestValue.merging(
            [LatestValue(key: "k", value: .string("old"), timestamp: 10)], [LatestValue(key: "k", value: .string("new"), timestamp: 10)]
        )
        #expect(merged == [LatestValue(key: "k", value: .string("new"), timestamp: 10)])
    }

    @Test("merge into a device that is not cached does nothing")
    func mergeUncached() async {
        let cache = InMemoryCache(clock: ManualWallClock(0))
        await cache.mergeLatest([LatestValue(key: "t", value: .number(1), timestamp: 1)], deviceID: 3)
        #expect(await cache.latest(deviceID: 3) == nil)
    }

    @Test("invalidate latest")
    func invalidate() async {
        let cache = InMemoryCache(clock: ManualWallClock(0))
        await cache.storeLatest([LatestValue(key: "t", value: .number(1), timestamp: 1)], deviceID: 1, readStartedAt: 0)
        await cache.storeLatest([LatestValue(key: "t", value: .number(2), timestamp: 1)], deviceID: 2, readStartedAt: 0)
        await cache.invalidateLatest(deviceID: 1)
        #expect(await cache.latest(deviceID: 1) == nil)
        #expect(await cache.latest(deviceID: 2) == [LatestValue(key: "t", value: .number(2), timestamp: 1)])
    }

    @Test("latest values live ten minutes by default; merging does not extend them")
    func expiry() async {
        let clock = ManualWallClock(1_000_000)
        let cache = InMemoryCache(clock: clock)
        await cache.storeLatest([LatestValue(key: "t", value: .number(1), timestamp: 1)], deviceID: 1, readStartedAt: 0)
        clock.advance(by: 599_000)
        await cache.mergeLatest([LatestValue(key: "t", value: .number(2), timestamp: 2)], deviceID: 1)
        clock.advance(by: 999)
        #expect(await cache.latest(deviceID: 1) == [LatestValue(key: "t", value: .number(2), timestamp: 2)])
        clock.advance(by: 1)
        #expect(await cache.latest(deviceID: 1) == nil)
        await cache.mergeLatest([LatestValue(key: "t", value: .number(3), timestamp: 3)], deviceID: 1)
        #expect(await cache.latest(deviceID: 1) == nil)
    }

    @Test("hit and miss counters cover device and latest lookups")
    func statistics() async {
        let clock = ManualWallClock(0)
        let cache = InMemoryCache(clock: clock, deviceLifetimeMilliseconds: 100)
        #expect(await cache.statistics() == CacheStatistics(hits: 0, misses: 0))
        #expect(await cache.statistics().hitRate == 0)
        _ = await cache.device(keyHash: "x")
        await cache.storeDevice(cachedDevice(id: 1, owner: 1), keyHash: "x", readStartedAt: 0)
        _ = await cache.device(keyHash: "x")
        _ = await cache.device(keyHash: "x")
        await cache.storeLatest([], deviceID: 1, readStartedAt: 0)
        _ = await cache.latest(deviceID: 1)
        _ = await cache.latest(deviceID: 2)
        clock.advance(by: 100)
        _ = await cache.device(keyHash: "x")
        let statistics = await cache.statistics()
        #expect(statistics == CacheStatistics(hits: 3, misses: 3))
        #expect(statistics.hitRate == 0.5)
    }

    @Test("hit rate", arguments: [(0, 0, 0.0), (1, 0, 1.0), (0, 5, 0.0), (1, 3, 0.25), (3, 1, 0.75)])
    func hitRate(hits: Int, misses: Int, rate: Double) {
        #expect(CacheStatistics(hits: hits, misses: misses).hitRate == rate)
    }
}
