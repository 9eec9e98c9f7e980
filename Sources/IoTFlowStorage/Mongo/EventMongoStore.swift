import IoTFlowCore
import Logging
import MongoNIO

/// The event log in MongoDB: the `events` collection, with integer ids handed out in blocks by the `counters`
/// collection so several instances can append at once.
public struct EventMongoStore: EventStore {
    let client: MongoClient
    let settings: MongoSettings

    /// Creates the store; the client must be running (it is a service of the server).
    public init(client: MongoClient, settings: MongoSettings) {
        self.client = client
        self.settings = settings
    }

    var events: MongoCollection { self.client.collection(MongoEventSchema.events, database: self.settings.database) }
    var counters: MongoCollection { self.client.collection(MongoEventSchema.counters, database: self.settings.database) }

    public func append(_ events: [Event]) async throws {
        guard !events.isEmpty else { return }
        try await MongoOutage.translating {
            // One round trip reserves ids for the whole batch; `$inc` is atomic, so instances never share an id.
            let reserved = try await self.counters.findOneAndUpdate(
                filter: ["_id": .string(MongoEventSchema.events)], update: ["$inc": ["seq": .int64(Int64(events.count))]], sort: nil,
                returnNew: true, upsert: true)
            guard let last = reserved?["seq"]?.int64Value else {
                throw MongoEventStoreError("the event id counter answered without a sequence number")
            }
            let first = last - Int64(events.count) + 1
            let documents = events.enumerated().map { MongoEventDocument.document(for: $0.element, id: first + Int64($0.offset)) }
            _ = try await self.events.insert(documents, ordered: false)
        }
    }

    public func events(_ query: EventQuery) async throws -> (events: [Event], total: Int) {
        try await MongoOutage.translating {
            let filter = Self.filter(type: query.type, deviceID: query.deviceID, userPublicID: query.userPublicID, start: query.start, end: query.end)
            let total = try await self.events.count(filter)
            guard query.limit > 0, query.offset < total else { return ([], total) }
            let cursor = try await self.events.find(
                filter, sort: ["ts_ms": -1, "_id": -1], skip: query.offset, limit: query.limit, projection: nil, batchSize: query.limit)
            var events: [Event] = []
            for try await document in cursor {
                if let event = MongoEventDocument.event(from: document) { events.append(event) }
            }
            return (events, total)
        }
    }

    public func counts(_ query: EventCountQuery) async throws -> [EventCount] {
        try await MongoOutage.translating {
            let filter = Self.filter(deviceID: query.deviceID, userPublicID: query.userPublicID, start: query.start, end: query.end)
            let cursor = try await self.events.aggregate(MongoEventSchema.countPipeline(filter: filter, bucketMilliseconds: query.bucketMilliseconds))
            var counts: [EventCount] = []
            for try await document in cursor {
                // `_id` is "<bucket start>|<event type>" (see `countPipeline`).
                guard let key = document["_id"]?.stringValue, let separator = key.firstIndex(of: "|"),
                    let bucket = Int64(key[..<separator]), let count = document["n"]?.int64Value
                else { continue }
                counts.append(EventCount(bucketStart: bucket, type: String(key[key.index(after: separator)...]), count: Int(count)))
            }
            return counts.sorted { ($0.bucketStart, $0.type) < ($1.bucketStart, $1.type) }
        }
    }

    /// At most 2 s, so `/health` and `/status` answer well within the request deadline while MongoDB hangs.
    public func ping() async throws -> Double {
        let start = ContinuousClock.now
        _ = try await MongoOutage.translating {
            try await self.client.runCommand(["ping": 1], database: self.settings.database, timeout: .seconds(2))
        }
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// The filter of a listing or count; every condition is on an indexed field.
    static func filter(type: String? = nil, deviceID: Int64?, userPublicID: String?, start: Int64?, end: Int64?) -> BSONDocument {
        var filter: BSONDocument = [:]
        if let type { filter["event_type"] = .string(type) }
        if let deviceID { filter["device_id"] = .int64(deviceID) }
        if let userPublicID { filter["user_id"] = .string(userPublicID) }
        var time: BSONDocument = [:]
        if let start { time["$gte"] = .int64(start) }
        if let end { time["$lt"] = .int64(end) }
        if !time.isEmpty { filter["ts_ms"] = .document(time) }
        return filter
    }
}

/// A MongoDB answer the event store cannot use.
struct MongoEventStoreError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
