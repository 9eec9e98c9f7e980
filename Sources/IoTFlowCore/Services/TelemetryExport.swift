/// An export being read: the device, the resolved range, and its entries as pages of history, oldest first. Each page
/// is one bounded store read resuming after the last timestamp of the previous one (the history cursor), so memory
/// stays flat whatever the range and a consumer that stops iterating stops the reads.
public struct TelemetryExport: Sendable, AsyncSequence {
    public typealias Element = [TelemetryEntry]

    /// Entries per store read: large enough to amortise a round trip, small enough to bound memory.
    public static let pageSize = 5000

    /// The device exported.
    public let device: Device
    /// The resolved query (ascending; `limit` is the page size).
    public let query: HistoryQuery
    let store: any TelemetryStore

    public struct AsyncIterator: AsyncIteratorProtocol {
        var query: HistoryQuery
        let store: any TelemetryStore
        var finished = false

        public mutating func next() async throws -> [TelemetryEntry]? {
            guard !self.finished else { return nil }
            try Task.checkCancellation()
            let page = try await self.store.history(self.query)
            if page.count < self.query.limit { self.finished = true }
            guard let last = page.last else { return nil }
            self.query.resumeAfter = last.timestamp
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(query: self.query, store: self.store)
    }
}

extension TelemetryService {
    /// Starts an export after checking the caller may read the device and the request is valid; the pages are read
    /// as the caller iterates.
    public func export(deviceID: Int64, principal: Principal, _ request: ExportRequest) async throws -> TelemetryExport {
        let device = try await DeviceService(self.deps).readableDevice(deviceID, principal: principal)
        let now = self.deps.clock.nowMilliseconds()
        let (start, end) = try Self.range(request.start, request.end, defaultStart: .ago(milliseconds: 3_600_000), endName: "end_time", now: now)
        let query = HistoryQuery(
            deviceID: deviceID, start: start, end: end, keys: try Self.keyList(request.keys), limit: TelemetryExport.pageSize, descending: false,
            includeMetadata: false)
        return TelemetryExport(device: device, query: query, store: self.deps.telemetry)
    }
}
