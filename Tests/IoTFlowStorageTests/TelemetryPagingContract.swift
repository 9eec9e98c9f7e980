import IoTFlowCore
import Testing

/// `TelemetryStore` history paging with `resumeAfter`: 2500 points over 3 keys, walked page by page.
enum TelemetryPagingContract {
    private static let base: Int64 = 1_700_000_000_000

    /// Point `index` has key `k<index % 3>`, and every fifth point has all three keys.
    private static func keys(of index: Int) -> [String] {
        index % 5 == 0 ? ["k0", "k1", "k2"] : ["k\(index % 3)"]
    }

    private static func timestamp(of index: Int) -> Int64 {
        Self.base + Int64(index) * 1000 + Int64(index % 7)
    }

    private static func write(_ stores: StoreFixture, device: Int64) async throws {
        for batch in stride(from: 0, to: 2500, by: 500) {
            let points = (batch..<(batch + 500)).map { index in
                point(Self.timestamp(of: index), Self.keys(of: index).map { (key: $0, value: TelemetryValue.number(Double(index))) })
            }
            try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: points)])
        }
    }

    /// Walks every page; returns the pages.
    private static func walk(
        _ stores: StoreFixture, device: Int64, keys: [String], limit: Int, descending: Bool
    ) async throws -> [[TelemetryEntry]] {
        var pages: [[TelemetryEntry]] = []
        var cursor: Int64?
        while pages.count < 1000 {
            let page = try await stores.history(device, keys: keys, limit: limit, descending: descending, resumeAfter: cursor)
            if page.isEmpty { break }
            pages.append(page)
            cursor = page.last?.timestamp
        }
        return pages
    }

    /// Nil when the sequences are equal, else a short description of the first difference.
    private static func difference(_ actual: [Int64], _ expected: [Int64]) -> String? {
        guard actual != expected else { return nil }
        let common = min(actual.count, expected.count)
        let index = (0..<common).first { actual[$0] != expected[$0] } ?? common
        return "\(actual.count) timestamps (\(Set(actual).count) distinct), expected \(expected.count); first difference at position \(index)"
    }

    static func resumeAfterWalksEveryTimestampOnce(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(2)
        try await Self.write(stores, device: devices[0].id)
        try await stores.telemetry.write([TelemetryWrite(deviceID: devices[1].id, points: [point(Self.base + 500, [("k0", .number(-1))])])])
        let all = (0..<2500).map(Self.timestamp(of:))
        let valueCount = (0..<2500).reduce(0) { $0 + Self.keys(of: $1).count }

        let ascending = try await Self.walk(stores, device: devices[0].id, keys: [], limit: 100, descending: false)
        #expect(ascending.count == 25)
        #expect(ascending.allSatisfy { $0.count == 100 })
        #expect(Self.difference(ascending.flatMap { $0.map(\.timestamp) }, all) == nil)
        #expect(ascending.flatMap { $0 }.reduce(0) { $0 + $1.measurements.count } == valueCount)
        let sample = ascending.flatMap { $0 }[10]
        #expect(sample == entry(Self.timestamp(of: 10), [("k0", .number(10)), ("k1", .number(10)), ("k2", .number(10))]))

        let descending = try await Self.walk(stores, device: devices[0].id, keys: [], limit: 333, descending: true)
        #expect(descending.count == 8)
        #expect(Self.difference(descending.flatMap { $0.map(\.timestamp) }, all.reversed()) == nil)

        let k1 = (0..<2500).filter { Self.keys(of: $0).contains("k1") }.map(Self.timestamp(of:))
        let filtered = try await Self.walk(stores, device: devices[0].id, keys: ["k1"], limit: 77, descending: false)
        let filteredTimestamps = filtered.flatMap { $0.map(\.timestamp) }
        #expect(Self.difference(filteredTimestamps, k1) == nil)
        #expect(filtered.allSatisfy { $0.allSatisfy { $0.measurements.map(\.key) == ["k1"] } })
    }

    static func resumeAfterStaysInsideTheRange(_ stores: StoreFixture) async throws {
        let device = try await stores.makeDevices(1)[0].id
        try await Self.write(stores, device: device)
        let start = Self.timestamp(of: 100)
        let end = Self.timestamp(of: 200)
        let page = try await stores.history(device, start: start, end: end, limit: 1000, resumeAfter: Self.timestamp(of: 150))
        #expect(Self.difference(page.map(\.timestamp), (151..<200).map(Self.timestamp(of:))) == nil)
        let back = try await stores.history(device, start: start, end: end, limit: 1000, descending: true, resumeAfter: Self.timestamp(of: 150))
        #expect(Self.difference(back.map(\.timestamp), (100..<150).reversed().map(Self.timestamp(of:))) == nil)
        let early = try await stores.history(device, start: start, end: end, limit: 5, resumeAfter: Self.timestamp(of: 10))
        #expect(early.map(\.timestamp) == (100..<105).map(Self.timestamp(of:)))
    }
}
