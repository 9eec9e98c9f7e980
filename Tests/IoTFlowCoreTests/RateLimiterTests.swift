import IoTFlowCore
import Testing

@Suite("RateLimiter: messages counted together")
struct RateLimiterTests {
    @Test("admit lets through the messages that fit in the minute, from the first on, and counts them all")
    func admitCountsEveryMessage() async {
        let clock = ManualWallClock(1_764_410_100_000)
        let limiter = RateLimiter(cache: InMemoryCache(clock: clock))
        #expect(await limiter.admit("d:1", count: 4, perMinute: 10).admitted == 4)
        #expect(await limiter.admit("d:1", count: 4, perMinute: 10).admitted == 4)
        let third = await limiter.admit("d:1", count: 4, perMinute: 10)
        #expect(third.admitted == 2)
        #expect(third.retryAfterSeconds > 0)
        #expect(await limiter.admit("d:1", count: 3, perMinute: 10).admitted == 0)
        // A request after the messages is over the limit too: both count against the same window.
        await #expect(throws: IoTFlowError.self) { try await limiter.check("d:1", perMinute: 10) }
        // Another key has its own count, and a new minute starts over.
        #expect(await limiter.admit("d:2", count: 10, perMinute: 10).admitted == 10)
        clock.advance(by: 60_000)
        #expect(await limiter.admit("d:1", count: 10, perMinute: 10).admitted == 10)
    }

    @Test("a limit of 0 admits everything and counts nothing")
    func noLimit() async {
        let limiter = RateLimiter(cache: InMemoryCache(clock: ManualWallClock(0)))
        #expect(await limiter.admit("d:1", count: 1000, perMinute: 0).admitted == 1000)
        #expect(await limiter.admit("d:1", count: 0, perMinute: 5).admitted == 0)
    }
}
