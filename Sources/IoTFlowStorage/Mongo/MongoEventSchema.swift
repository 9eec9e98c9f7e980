import IoTFlowCore
import Logging
import MongoNIO

/// The collections and indexes of the event log in MongoDB, and the aggregation that counts events.
enum MongoEventSchema {
    /// The event log.
    static let events = "events"
    /// Sequence numbers (`{_id: "events", seq}`) for the contract's integer ids.
    static let counters = "counters"
    /// The TTL index's name, kept stable so a changed `EVENT_RETENTION_DAYS` updates it in place.
    static let retentionIndex = "events_retention"

    /// Indexes for the listing's sort and each of its filters (by time; type, user or device, then time).
    static let indexes: [MongoIndex] = [
        MongoIndex(keys: ["ts_ms": -1], name: "events_time"),
        MongoIndex(keys: ["event_type": 1, "ts_ms": -1], name: "events_type_time"),
        MongoIndex(keys: ["user_id": 1, "ts_ms": -1], name: "events_user_time"),
        MongoIndex(keys: ["device_id": 1, "ts_ms": -1], name: "events_device_time"),
    ]

    /// Creates the indexes (idempotent) and sets or removes the retention index.
    static func prepare(client: MongoClient, settings: MongoSettings, logger: Logger) async throws {
        let events = client.collection(Self.events, database: settings.database)
        try await events.createIndexes(Self.indexes)
        let days = settings.eventRetentionDays
        if days > 0 {
            let index = MongoIndex(keys: ["timestamp": 1], name: Self.retentionIndex, expireAfterSeconds: days * 86_400)
            do {
                try await events.createIndexes([index])
            } catch let error as MongoError where error.serverCode == 85 || error.serverCode == 86 {
                // The index exists with another lifetime: change it in place (IndexOptionsConflict).
                _ = try await client.runCommand(
                    [
                        "collMod": .string(Self.events),
                        "index": ["name": .string(Self.retentionIndex), "expireAfterSeconds": .int64(Int64(days) * 86_400)],
                    ],
                    database: settings.database)
            }
        } else {
            do {
                _ = try await client.runCommand(
                    ["dropIndexes": .string(Self.events), "index": .string(Self.retentionIndex)], database: settings.database)
            } catch let error as MongoError where error.serverCode == 27 || error.serverCode == 26 {
                // IndexNotFound or NamespaceNotFound: nothing expires already.
            }
        }
        logger.debug("event collections ready", metadata: ["mongodb": "\(settings)"])
    }

    /// Events per bucket and type, counted by MongoDB: the bucket start is floor arithmetic on `ts_ms`, grouped with
    /// the type under one string key `"<bucket start>|<type>"`. A compound `_id` would read better, but the MongoDB
    /// stand-in these tests run against (nx-27017) does not group by one; both accept this pipeline.
    static func countPipeline(filter: BSONDocument, bucketMilliseconds: Int64) -> [BSONDocument] {
        let length = BSONValue.int64(bucketMilliseconds)
        let remainder: BSONValue = ["$mod": [["$add": [["$mod": ["$ts_ms", length]], length]], length]]
        let bucketStart: BSONValue = ["$toLong": ["$subtract": ["$ts_ms", remainder]]]
        return [
            ["$match": .document(filter)],
            ["$group": ["_id": ["$concat": [["$toString": bucketStart], "|", "$event_type"]], "n": ["$sum": 1]]],
            ["$sort": ["_id": 1]],
        ]
    }
}
