/// Telemetry ingest and reads: validation, access and caching around the stores.
public struct TelemetryService: Sendable {
    let deps: Dependencies

    /// Creates the service.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// What a successful write reports.
    public struct Receipt: Sendable {
        /// Timestamp of the (latest) point.
        public var timestamp: Int64
        /// Number of points.
        public var points: Int
        /// Number of non-null values stored.
        public var values: Int
    }

    /// Dates, checks and durably stores a device's point or batch.
    public func ingest(_ caller: AuthenticatedDevice, _ submission: TelemetrySubmission) async throws -> Receipt {
        try await self.ingest(caller, messages: [.success(submission)])[0].get()
    }

    /// Stores one device's messages together (MQTT publishes read at once): each is counted by the rate limit,
    /// dated and checked as a request of its own would be, and the valid ones go to the stores in one write.
    /// Returns one result per message, in order, once the stored points are durable: a receipt, or why that message
    /// stored nothing (400 invalid, 429 over the limit).
    ///
    /// Throws, storing nothing, when the device may not send (403) or the stores fail.
    public func ingest(
        _ caller: AuthenticatedDevice, messages: [Result<TelemetrySubmission, IoTFlowError>]
    ) async throws -> [Result<Receipt, IoTFlowError>] {
        guard caller.ownerIsActive else {
            throw IoTFlowError.forbidden("The owner of this device is deactivated; telemetry is not accepted.")
        }
        guard caller.device.status == .active else {
            throw IoTFlowError.forbidden("Device status is '\(caller.device.status.rawValue)'; only active devices may send telemetry.")
        }
        var results = messages.map { $0.map { _ in Receipt(timestamp: 0, points: 0, values: 0) } }
        let limit = self.deps.settings.rateLimits.telemetryPerDevice
        let wellFormed = messages.indices.filter { (try? messages[$0].get()) != nil }
        let admission = await RateLimiter(cache: self.deps.cache).admit("telemetry:\(caller.device.id)", count: wellFormed.count, perMinute: limit)
        for index in wellFormed.dropFirst(admission.admitted) {
            results[index] = .failure(RateLimiter.exceeded(limit: limit, retryAfterSeconds: admission.retryAfterSeconds))
        }
        let deviceID = caller.device.id
        let now = self.deps.clock.nowMilliseconds()
        var dated: [(index: Int, points: [TelemetryPoint])] = []
        for index in wellFormed.prefix(admission.admitted) {
            guard case .success(let submission) = messages[index] else { continue }
            let undated = submission.undatedCount
            let firstStamp = undated > 0 ? self.deps.stamps.reserve(undated, deviceID: deviceID, now: now) : now
            do {
                dated.append((index, try submission.dated(now: now, firstStamp: firstStamp)))
            } catch {
                results[index] = .failure(error)
            }
        }
        guard !dated.isEmpty else { return results }
        var keys = Set<String>()
        for (_, points) in dated {
            for point in points {
                for (key, _) in point.values { keys.insert(key) }
            }
        }
        do {
            try await self.deps.keyBudget.admit(keys, deviceID: deviceID) {
                try await self.deps.telemetry.keyNames(deviceID: deviceID)
            }
        } catch let error as IoTFlowError where error.kind == .badRequest {
            for (index, _) in dated { results[index] = .failure(error) }
            return results
        }
        let points = dated.flatMap(\.points)
        try await self.deps.writer.submit(TelemetryWrite(deviceID: deviceID, points: points))
        var latest: [String: LatestValue] = [:]
        for point in points {
            for (key, value) in point.values where (latest[key]?.timestamp ?? Int64.min) <= point.timestamp {
                latest[key] = LatestValue(key: key, value: value, timestamp: point.timestamp)
            }
        }
        for (index, points) in dated {
            // A key written twice at one timestamp is stored once (the later wins), so count distinct pairs.
            var stored = Set<StoredValueKey>()
            for point in points {
                for (key, _) in point.values { stored.insert(StoredValueKey(key: key, timestamp: point.timestamp)) }
            }
            results[index] = .success(Receipt(timestamp: points.map(\.timestamp).max() ?? now, points: points.count, values: stored.count))
        }
        await self.deps.cache.mergeLatest(Array(latest.values), deviceID: deviceID)
        self.deps.events.record(
            Event(
                type: EventType.telemetrySubmitted, timestamp: now, userPublicID: caller.ownerPublicID, deviceID: deviceID,
                details: ["count": .integer(dated.count), "points": .integer(points.count)]
            )
        )
        return results
    }

    /// Records that a device sent messages that were not valid telemetry and stored nothing (over MQTT, where the
    /// client may have no way to hear why): one event for `count` such messages, with the first one's reason.
    public func recordRejected(_ caller: AuthenticatedDevice, count: Int, reason: IoTFlowError, transport: String) {
        guard count > 0 else { return }
        self.deps.events.record(
            Event(
                type: EventType.telemetryRejected, timestamp: self.deps.clock.nowMilliseconds(), userPublicID: caller.ownerPublicID,
                deviceID: caller.device.id, details: ["count": .integer(count), "reason": .string(reason.message), "transport": .string(transport)]
            )
        )
    }

    /// A page of history and the cursor of the next page, if more entries match.
    public struct HistoryPage: Sendable {
        /// The device read.
        public var device: Device
        /// The resolved query.
        public var query: HistoryQuery
        /// Entries of this page.
        public var entries: [TelemetryEntry]
        /// Cursor for the next page.
        public var next: String?
    }

    /// Reads a page of history.
    public func history(deviceID: Int64, principal: Principal, _ request: HistoryRequest) async throws -> HistoryPage {
        let device = try await DeviceService(self.deps).readableDevice(deviceID, principal: principal)
        let now = self.deps.clock.nowMilliseconds()
        var (start, end) = try Self.range(request.start, request.end, defaultStart: .ago(milliseconds: 3_600_000), endName: "end_time", now: now)
        let descending = request.descending
        let limit = min(request.limit ?? 1000, 10_000)
        var resumeAfter: Int64?
        if let text = request.cursor, !text.isEmpty {
            guard let cursor = HistoryCursor(encoded: text), cursor.descending == descending else {
                throw IoTFlowError.badRequest("'cursor' is not a cursor of this query; send 'next' back unchanged with the same order.")
            }
            (start, end, resumeAfter) = (cursor.start, cursor.end, cursor.after)
        }
        let keys = try Self.keyList(request.keys)
        let query = HistoryQuery(
            deviceID: deviceID, start: start, end: end, keys: keys, limit: limit + 1, descending: descending,
            includeMetadata: request.includeMetadata, resumeAfter: resumeAfter
        )
        var entries = try await self.deps.telemetry.history(query)
        var next: String?
        if entries.count > limit {
            entries.removeLast(entries.count - limit)
            next = HistoryCursor(descending: descending, after: entries[entries.count - 1].timestamp, start: start, end: end).encoded
        }
        var resolved = query
        resolved.limit = limit
        return HistoryPage(device: device, query: resolved, entries: entries, next: next)
    }

    /// The latest value per key and whether it came from the cache; 404 when the device has no data.
    public func latest(deviceID: Int64, principal: Principal) async throws -> (device: Device, values: [LatestValue], cached: Bool) {
        let device = try await DeviceService(self.deps).readableDevice(deviceID, principal: principal)
        if let cached = await self.deps.cache.latest(deviceID: deviceID), !cached.isEmpty {
            return (device, cached, true)
        }
        let readStartedAt = self.deps.clock.nowMilliseconds()
        let values = try await self.deps.telemetry.latest(deviceID: deviceID)
        guard !values.isEmpty else { throw IoTFlowError.notFound("Device \(deviceID) has no telemetry yet.") }
        await self.deps.cache.storeLatest(values, deviceID: deviceID, readStartedAt: readStartedAt)
        return (device, values, false)
    }

    /// Aggregated buckets of one key.
    public func aggregate(
        deviceID: Int64, principal: Principal, _ request: AggregationRequest
    ) async throws -> (query: AggregationQuery, aggregation: String, window: String, buckets: [AggregationBucket]) {
        _ = try await DeviceService(self.deps).readableDevice(deviceID, principal: principal)
        let field = request.field
        guard !field.isEmpty else { throw IoTFlowError.badRequest("'field' is required.") }
        guard TelemetryPayload.isValidKey(field) else { throw IoTFlowError.badRequest("'field' is not a valid telemetry key.") }
        guard let function = AggregationFunction(rawValue: request.aggregation) else {
            throw IoTFlowError.badRequest("'aggregation' must be one of mean, avg, sum, count, min, max, first, last.")
        }
        guard let windowMilliseconds = WindowExpression.milliseconds(request.window) else {
            throw IoTFlowError.badRequest("'window' must be a positive duration such as 10s, 5m, 1h or 1d.")
        }
        let now = self.deps.clock.nowMilliseconds()
        let (start, end) = try Self.range(request.start, request.end, defaultStart: .ago(milliseconds: 86_400_000), endName: "end_time", now: now)
        let firstBucket = ISO8601.floorDivide(start, windowMilliseconds).0
        let lastBucket = ISO8601.floorDivide(end - 1, windowMilliseconds).0
        guard lastBucket - firstBucket + 1 <= 10_000 else {
            throw IoTFlowError.badRequest("The range holds more than 10000 windows; use a larger 'window' or a shorter range.")
        }
        let query = AggregationQuery(
            deviceID: deviceID, field: field, function: function, windowMilliseconds: windowMilliseconds, start: start, end: end)
        return (query, request.aggregation, request.window, try await self.deps.telemetry.aggregate(query))
    }

    /// Deletes a range of values (owner or admin); returns how many were removed.
    public func delete(deviceID: Int64, principal: Principal, _ deletion: TelemetryDeletion) async throws -> Int {
        _ = try await DeviceService(self.deps).device(deviceID, principal: principal)
        var keys: [String] = []
        if let requested = deletion.keys {
            // An empty list must not silently mean "every key".
            guard !requested.isEmpty else { throw IoTFlowError.badRequest("'keys' is empty; omit it to delete every key.") }
            keys = try Self.keyList(requested)
        }
        guard let startSpec = deletion.start, let stopSpec = deletion.stop else {
            throw IoTFlowError.badRequest("'start_time' and 'stop_time' are required.")
        }
        let now = self.deps.clock.nowMilliseconds()
        let (start, end) = try Self.range(startSpec, stopSpec, defaultStart: .now, endName: "stop_time", now: now)
        let deleted = try await self.deps.telemetry.delete(deviceID: deviceID, start: start, end: end, keys: keys)
        await self.deps.cache.invalidateLatest(deviceID: deviceID)
        // Whole keys may be gone now; the key budget reloads what remains on the next write.
        self.deps.keyBudget.forget(deviceID: deviceID)
        return deleted
    }

    /// One summary per device of a user that has data since `start_time`, newest first.
    public struct DeviceSummary: Sendable {
        /// The device.
        public var device: Device
        /// Greatest timestamp among `values`.
        public var timestamp: Int64
        /// Latest value per key.
        public var values: [LatestValue]
    }

    /// One page of a user's devices that have data since `since`, newest first, paged in the telemetry store.
    public func userTelemetry(
        publicID: String, principal: Principal, _ request: UserTelemetryRequest
    ) async throws -> (user: User, summaries: [DeviceSummary], total: Int) {
        let user = try await AccountService(self.deps).user(publicID: publicID, principal: principal)
        let now = self.deps.clock.nowMilliseconds()
        let since = (request.since ?? .ago(milliseconds: 86_400_000)).resolve(now: now)
        let paging = request.page.paging()
        let deviceIDs = try await self.deps.devices.deviceIDs(ownerID: user.id)
        let page = try await self.deps.telemetry.latestSummaries(deviceIDs: deviceIDs, since: since, limit: paging.limit, offset: paging.offset)
        let devices = Dictionary(
            uniqueKeysWithValues: try await self.deps.devices.devices(ids: page.summaries.map(\.deviceID)).map { ($0.id, $0) })
        // A device deleted between the two reads is left out of this page.
        let summaries = page.summaries.compactMap { summary in
            devices[summary.deviceID].map { DeviceSummary(device: $0, timestamp: summary.newest, values: summary.values) }
        }
        return (user, summaries, page.total)
    }

    /// Resolves a range against `now`; `start` after `end` is 400. Equal bounds are an empty range (e.g. `start_time=now`).
    static func range(
        _ start: TimeSpec?, _ end: TimeSpec?, defaultStart: TimeSpec, endName: String, now: Int64
    ) throws(IoTFlowError) -> (Int64, Int64) {
        let from = (start ?? defaultStart).resolve(now: now)
        let to = (end ?? .now).resolve(now: now)
        guard from <= to else { throw .badRequest("'start_time' must not be after '\(endName)'.") }
        return (from, to)
    }

    /// Checks and deduplicates a list of keys.
    static func keyList(_ keys: [String]) throws(IoTFlowError) -> [String] {
        for key in keys where !TelemetryPayload.isValidKey(key) {
            throw .badRequest("'keys' holds an invalid key '\(key.prefix(40))'.")
        }
        return Array(Set(keys)).sorted()
    }
}

private struct StoredValueKey: Hashable {
    var key: String
    var timestamp: Int64
}

/// The opaque `next` cursor of history: direction, last timestamp returned and the resolved range,
/// so later pages cover exactly the range of the first even when it was relative to "now".
struct HistoryCursor: Equatable {
    var descending: Bool
    var after: Int64
    var start: Int64
    var end: Int64

    init(descending: Bool, after: Int64, start: Int64, end: Int64) {
        self.descending = descending
        self.after = after
        self.start = start
        self.end = end
    }

    init?(encoded: String) {
        var bytes: [UInt8] = []
        let hex = Array(encoded.utf8)
        guard hex.count % 2 == 0, hex.count <= 200 else { return nil }
        var index = 0
        while index < hex.count {
            guard let byte = UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
            index += 2
        }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: ":")
        guard parts.count == 5, parts[0] == "v1", parts[1] == "a" || parts[1] == "d",
            let after = Int64(parts[2]), let start = Int64(parts[3]), let end = Int64(parts[4]), start < end
        else { return nil }
        self.init(descending: parts[1] == "d", after: after, start: start, end: end)
    }

    var encoded: String {
        let text = "v1:\(self.descending ? "d" : "a"):\(self.after):\(self.start):\(self.end)"
        return Secrets.hex(Array(text.utf8))
    }
}
