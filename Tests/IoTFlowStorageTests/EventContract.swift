import IoTFlowCore
import Testing

/// `EventStore`: append, then query newest first with filters and paging.
enum EventContract {
    private static let userOne = StoreFixture.publicID("one")
    private static let userTwo = StoreFixture.publicID("two")

    private static let events: [Event] = [
        Event(type: "user.registered", timestamp: 1000, userPublicID: userOne),
        Event(type: "device.registered", timestamp: 2000, userPublicID: userOne, deviceID: 10, details: ["name": "boiler", "tags": ["a"]]),
        Event(type: "telemetry.submitted", timestamp: 3000, userPublicID: userOne, deviceID: 10, details: ["count": 5, "ratio": 0.5]),
        Event(type: "device.registered", timestamp: 4000, userPublicID: userTwo, deviceID: 20, details: ["name": "fan"]),
        Event(type: "user.login", timestamp: 5000, userPublicID: userTwo, details: ["ok": true]),
        Event(type: "device.deleted", timestamp: 6000, userPublicID: nil, deviceID: 10),
    ]

    /// Appends the events out of time order, in two calls.
    private static func appendAll(_ stores: StoreFixture) async throws {
        try await stores.events.append([Self.events[4], Self.events[0]])
        try await stores.events.append([Self.events[2], Self.events[5], Self.events[1], Self.events[3]])
        try await stores.events.append([])
    }

    /// Events without their store-assigned ids.
    private static func withoutIDs(_ events: [Event]) -> [Event] {
        events.map { event in
            var copy = event
            copy.id = nil
            return copy
        }
    }

    static func newestFirst(_ stores: StoreFixture) async throws {
        #expect(try await stores.events.events(EventQuery()).total == 0)
        try await Self.appendAll(stores)
        let (events, total) = try await stores.events.events(EventQuery())
        #expect(total == 6)
        #expect(Self.withoutIDs(events) == Self.events.reversed())
        let ids = events.compactMap(\.id)
        #expect(ids.count == 6 && Set(ids).count == 6)
    }

    static func filtersAndPaging(_ stores: StoreFixture) async throws {
        try await Self.appendAll(stores)
        let cases: [(EventQuery, [Int], Int)] = [
            (EventQuery(type: "device.registered"), [3, 1], 2),
            (EventQuery(deviceID: 10), [5, 2, 1], 3),
            (EventQuery(userPublicID: Self.userOne), [2, 1, 0], 3),
            (EventQuery(start: 2000, end: 5000), [3, 2, 1], 3),
            (EventQuery(start: 5000), [5, 4], 2),
            (EventQuery(end: 2000), [0], 1),
            (EventQuery(deviceID: 10, userPublicID: Self.userOne, start: 2500), [2], 1),
            (EventQuery(type: "user.deleted"), [], 0),
            (EventQuery(limit: 2, offset: 2), [3, 2], 6),
            (EventQuery(limit: 2, offset: 5), [0], 6),
            (EventQuery(limit: 10, offset: 10), [], 6),
            (EventQuery(deviceID: 10, limit: 1, offset: 1), [2], 3),
        ]
        for (query, indexes, expectedTotal) in cases {
            let (events, total) = try await stores.events.events(query)
            #expect(Self.withoutIDs(events) == indexes.map { Self.events[$0] }, "\(query)")
            #expect(total == expectedTotal, "\(query)")
        }
    }

    static func countsPerBucketAndType(_ stores: StoreFixture) async throws {
        try await Self.appendAll(stores)
        // Before the epoch: buckets still start at multiples of their length.
        try await stores.events.append([Event(type: "user.login", timestamp: -500, userPublicID: Self.userOne)])
        let all = EventCountQuery(start: -10_000, end: 10_000, bucketMilliseconds: 2000)
        #expect(
            try await stores.events.counts(all) == [
                EventCount(bucketStart: -2000, type: "user.login", count: 1),
                EventCount(bucketStart: 0, type: "user.registered", count: 1),
                EventCount(bucketStart: 2000, type: "device.registered", count: 1),
                EventCount(bucketStart: 2000, type: "telemetry.submitted", count: 1),
                EventCount(bucketStart: 4000, type: "device.registered", count: 1),
                EventCount(bucketStart: 4000, type: "user.login", count: 1),
                EventCount(bucketStart: 6000, type: "device.deleted", count: 1),
            ])
        let cases: [(EventCountQuery, [EventCount])] = [
            (
                EventCountQuery(start: 0, end: 10_000, bucketMilliseconds: 10_000),
                [
                    EventCount(bucketStart: 0, type: "device.deleted", count: 1), EventCount(bucketStart: 0, type: "device.registered", count: 2),
                    EventCount(bucketStart: 0, type: "telemetry.submitted", count: 1), EventCount(bucketStart: 0, type: "user.login", count: 1),
                    EventCount(bucketStart: 0, type: "user.registered", count: 1),
                ]
            ),
            // The end is exclusive, the start inclusive.
            (
                EventCountQuery(start: 2000, end: 4000, bucketMilliseconds: 10_000),
                [EventCount(bucketStart: 0, type: "device.registered", count: 1), EventCount(bucketStart: 0, type: "telemetry.submitted", count: 1)]
            ),
            (
                EventCountQuery(start: -10_000, end: 10_000, bucketMilliseconds: 3000, userPublicID: Self.userOne),
                [
                    EventCount(bucketStart: -3000, type: "user.login", count: 1), EventCount(bucketStart: 0, type: "device.registered", count: 1),
                    EventCount(bucketStart: 0, type: "user.registered", count: 1),
                    EventCount(bucketStart: 3000, type: "telemetry.submitted", count: 1),
                ]
            ),
            (
                EventCountQuery(start: 0, end: 10_000, bucketMilliseconds: 1000, deviceID: 10),
                [
                    EventCount(bucketStart: 2000, type: "device.registered", count: 1),
                    EventCount(bucketStart: 3000, type: "telemetry.submitted", count: 1),
                    EventCount(bucketStart: 6000, type: "device.deleted", count: 1),
                ]
            ),
            (EventCountQuery(start: 7000, end: 10_000, bucketMilliseconds: 1000), []),
        ]
        for (query, expected) in cases {
            #expect(try await stores.events.counts(query) == expected, "\(query)")
        }
    }
}
