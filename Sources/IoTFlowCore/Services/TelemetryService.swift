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

    /// Validates and durably stores a device's point or batch.
    public func ingest(_ caller: AuthenticatedDevice, body: JSONValue) async throws -> Receipt {
        guard caller.ownerIsActive else {
            throw IoTFlowError.forbidden("The owner of this device is deactivated; telemetry is not accepted.")
        }
        guard caller.device.status == .active else {
            throw IoTFlowError.forbidden("Device status is '\(caller.device.status.rawValue)'; only active devices may send telemetry.")
        }
        try await RateLimiter(cache: self.deps.cache).check(
            "telemetry:\(caller.device.id)", perMinute: self.deps.settings.rateLimits.telemetryPerDevice
        )
        let now = self.deps.clock.nowMilliseconds()
        let points = try TelemetryPayload.parse(body, now: now)
        try await self.deps.writer.submit(TelemetryWrite(deviceID: caller.device.id, points: points))
        var latest: [String: LatestValue] = [:]
        // A key written twice at one timestamp is stored once (the later wins), so count distinct pairs.
        var stored = Set<StoredValueKey>()
        for point in points {
            for (key, value) in point.values {
                stored.insert(StoredValueKey(key: key, timestamp: point.timestamp))
                if (latest[key]?.timestamp ?? Int64.min) <= point.timestamp {
                    latest[key] = LatestValue(key: key, value: value, timestamp: point.timestamp)
                }
            }
        }
        let valueCount = stored.count
        await self.deps.cache.mergeLatest(Array(latest.values), deviceID: caller.device.id)
        self.deps.events.record(
            Event(
                type: EventType.telemetrySubmitted, timestamp: now, userPublicID: caller.ownerPublicID, deviceID: caller.device.id,
                details: ["count": .int(1), "points": .integer(points.count)]
            )
        )
        let newest = points.map(\.timestamp).max() ?? now
        return Receipt(timestamp: newest, points: points.count, values: valueCount)
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

    /// Reads history with `start_time`, `end_time`, `keys`, `limit`, `order`, `cursor`, `include_metadata`.
    public func history(deviceID: Int64, principal: Principal, parameters: [String: String]) async throws -> HistoryPage {
        let device = try await DeviceService(self.deps).readableDevice(deviceID, principal: principal)
        let now = self.deps.clock.nowMilliseconds()
        var (start, end) = try Self.timeRange(parameters, startKey: "start_time", endKey: "end_time", defaultStart: "-1h", now: now)
        let descending: Bool
        switch parameters["order"] ?? "desc" {
        case "desc", "": descending = true
        case "asc": descending = false
        default: throw IoTFlowError.badRequest("'order' must be 'asc' or 'desc'.")
        }
        let paging = try Paging.parse(limit: parameters["limit"], offset: nil, defaultLimit: 1000, maximum: 10_000)
        var resumeAfter: Int64?
        if let text = parameters["cursor"], !text.isEmpty {
            guard let cursor = HistoryCursor(encoded: text), cursor.descending == descending else {
                throw IoTFlowError.badRequest("'cursor' is not a cursor of this query; send 'next' back unchanged with the same order.")
            }
            (start, end, resumeAfter) = (cursor.start, cursor.end, cursor.after)
        }
        let keys = try Self.keyList(parameters["keys"])
        let includeMetadata = try Self.flag(parameters["include_metadata"], name: "include_metadata") ?? false
        let query = HistoryQuery(
            deviceID: deviceID, start: start, end: end, keys: keys, limit: paging.limit + 1, descending: descending,
            includeMetadata: includeMetadata, resumeAfter: resumeAfter
        )
        var entries = try await self.deps.telemetry.history(query)
        var next: String?
        if entries.count > paging.limit {
            entries.removeLast(entries.count - paging.limit)
            next = HistoryCursor(descending: descending, after: entries[entries.count - 1].timestamp, start: start, end: end).encoded
        }
        var resolved = query
        resolved.limit = paging.limit
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

    /// Aggregated buckets for `field`, `aggregation`, `window`, `start_time`, `end_time`.
    public func aggregate(
        deviceID: Int64, principal: Principal, parameters: [String: String]
    ) async throws -> (query: AggregationQuery, aggregation: String, window: String, buckets: [AggregationBucket]) {
        _ = try await DeviceService(self.deps).readableDevice(deviceID, principal: principal)
        guard let field = parameters["field"], !field.isEmpty else { throw IoTFlowError.badRequest("'field' is required.") }
        guard TelemetryPayload.isValidKey(field) else { throw IoTFlowError.badRequest("'field' is not a valid telemetry key.") }
        let aggregation = parameters["aggregation"] ?? "mean"
        guard let function = AggregationFunction(rawValue: aggregation) else {
            throw IoTFlowError.badRequest("'aggregation' must be one of mean, avg, sum, count, min, max, first, last.")
        }
        let window = parameters["window"] ?? "1h"
        guard let windowMilliseconds = WindowExpression.milliseconds(window) else {
            throw IoTFlowError.badRequest("'window' must be a positive duration such as 10s, 5m, 1h or 1d.")
        }
        let now = self.deps.clock.nowMilliseconds()
        let (start, end) = try Self.timeRange(parameters, startKey: "start_time", endKey: "end_time", defaultStart: "-24h", now: now)
        let firstBucket = ISO8601.floorDivide(start, windowMilliseconds).0
        let lastBucket = ISO8601.floorDivide(end - 1, windowMilliseconds).0
        guard lastBucket - firstBucket + 1 <= 10_000 else {
            throw IoTFlowError.badRequest("The range holds more than 10000 windows; use a larger 'window' or a shorter range.")
        }
        let query = AggregationQuery(
            deviceID: deviceID, field: field, function: function, windowMilliseconds: windowMilliseconds, start: start, end: end)
        return (query, aggregation, window, try await self.deps.telemetry.aggregate(query))
    }

    /// Deletes a range of values (owner or admin); parameters come from the body or the query.
    public func delete(deviceID: Int64, principal: Principal, body: JSONValue?, query: [String: String]) async throws -> Int {
        _ = try await DeviceService(self.deps).device(deviceID, principal: principal)
        var parameters = query
        var keys = try Self.keyList(query["keys"])
        if let body {
            let fields = try FieldReader(body: body)
            for name in ["start_time", "stop_time"] {
                switch fields.object[name] {
                case nil, .null?: break
                case .string(let text)?: parameters[name] = text
                case .int(let milliseconds)?: parameters[name] = String(milliseconds)
                case let other?: throw IoTFlowError.badRequest("Field '\(name)' must be a time, not \(other.typeName).")
                }
            }
            switch fields.object["keys"] {
            case nil, .null?: break
            case .array(let elements)?:
                // An empty list must not silently mean "every key".
                guard !elements.isEmpty else {
                    throw IoTFlowError.badRequest("'keys' is empty; omit it to delete every key.")
                }
                keys = try elements.map { element throws(IoTFlowError) in
                    guard case .string(let key) = element, TelemetryPayload.isValidKey(key) else {
                        throw IoTFlowError.badRequest("'keys' must be a list of telemetry keys.")
                    }
                    return key
                }
            case let other?: throw IoTFlowError.badRequest("Field 'keys' must be a list of strings, not \(other.typeName).")
            }
        }
        guard parameters["start_time"] != nil, parameters["stop_time"] != nil else {
            throw IoTFlowError.badRequest("'start_time' and 'stop_time' are required.")
        }
        let now = self.deps.clock.nowMilliseconds()
        let (start, end) = try Self.timeRange(parameters, startKey: "start_time", endKey: "stop_time", defaultStart: "-1h", now: now)
        let deleted = try await self.deps.telemetry.delete(deviceID: deviceID, start: start, end: end, keys: keys)
        await self.deps.cache.invalidateLatest(deviceID: deviceID)
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

    /// The latest values of each of a user's devices, in one store round trip.
    public func userTelemetry(
        publicID: String, principal: Principal, parameters: [String: String]
    ) async throws -> (user: User, summaries: [DeviceSummary], total: Int) {
        let user = try await AccountService(self.deps).user(publicID: publicID, principal: principal)
        let now = self.deps.clock.nowMilliseconds()
        let since = try Self.time(parameters["start_time"] ?? "-24h", name: "start_time", now: now)
        let paging = try Paging.parse(limit: parameters["limit"], offset: parameters["offset"])
        let page = try await self.deps.registry.devices(ownerID: user.id, status: nil, deviceType: nil, limit: Int.max / 2, offset: 0)
        let latest = try await self.deps.telemetry.latest(deviceIDs: page.devices.map(\.id))
        var summaries: [DeviceSummary] = []
        for device in page.devices {
            // A device qualifies by having data since `since`; it then shows its latest value of every key.
            let values = latest[device.id] ?? []
            guard let newest = values.map(\.timestamp).max(), newest >= since else { continue }
            summaries.append(DeviceSummary(device: device, timestamp: newest, values: values))
        }
        summaries.sort { ($0.timestamp, $0.device.id) > ($1.timestamp, $1.device.id) }
        let total = summaries.count
        let window = Array(summaries.dropFirst(paging.offset).prefix(paging.limit))
        return (user, window, total)
    }

    static func time(_ text: String, name: String, now: Int64) throws(IoTFlowError) -> Int64 {
        guard let value = TimeExpression.resolve(text, now: now) else {
            throw .badRequest("'\(name)' must be now, a relative time like -1h, ISO 8601 or epoch milliseconds.")
        }
        return value
    }

    static func timeRange(
        _ parameters: [String: String], startKey: String, endKey: String, defaultStart: String, now: Int64
    ) throws(IoTFlowError) -> (Int64, Int64) {
        let start = try Self.time(parameters[startKey].flatMap { $0.isEmpty ? nil : $0 } ?? defaultStart, name: startKey, now: now)
        let end = try Self.time(parameters[endKey].flatMap { $0.isEmpty ? nil : $0 } ?? "now", name: endKey, now: now)
        // start == end is an empty range (e.g. start_time=now): valid, it just matches nothing.
        guard start <= end else { throw .badRequest("'\(startKey)' must not be after '\(endKey)'.") }
        return (start, end)
    }

    static func keyList(_ text: String?) throws(IoTFlowError) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        let keys = text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        for key in keys where !TelemetryPayload.isValidKey(key) {
            throw .badRequest("'keys' holds an invalid key '\(key.prefix(40))'.")
        }
        return Array(Set(keys)).sorted()
    }

    static func flag(_ text: String?, name: String) throws(IoTFlowError) -> Bool? {
        switch text?.lowercased() {
        case nil, "": return nil
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw .badRequest("'\(name)' must be true or false.")
        }
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
