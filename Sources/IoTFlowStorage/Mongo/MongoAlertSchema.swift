import IoTFlowCore
import Logging
import MongoNIO

/// The alerts collection in MongoDB: its indexes, and the aggregations behind the summary and the statistics.
///
/// One unresolved alert per rule and device rests on the unique index on `open_key` (see ``MongoAlertDocument``): an
/// unresolved alert holds `"<rule id>:<device id>"` there and a resolved one `"resolved:<alert id>"`. A partial unique
/// index would say it more directly, but nx-27017 (the MongoDB stand-in of the tests) has none; a plain unique index
/// is enforced by every server, and opening or resolving an alert stays a single-document write, so no crash between
/// two writes can leave a rule blocked.
enum MongoAlertSchema {
    /// Alerts, `_id` being the integer id.
    static let alerts = "alerts"
    /// The document of ``MongoEventSchema/counters`` that hands out alert ids.
    static let counter = "alerts"

    /// What keeps one unresolved alert per rule and device; the store also makes sure of it before its first insert.
    static let openIndex = MongoIndex(keys: ["open_key": 1], name: "alerts_open", unique: true)

    /// The unique index, then one index per listing filter in the listing's order, the cooldown lookup and the counts
    /// of the statistics.
    static let indexes: [MongoIndex] = [
        Self.openIndex,
        // Not (triggered_at, _id): nx-27017 cannot index `_id` beside another field (its inserts fail afterwards).
        MongoIndex(keys: ["triggered_at": -1], name: "alerts_time"),
        MongoIndex(keys: ["user_id": 1, "triggered_at": -1], name: "alerts_user_time"),
        MongoIndex(keys: ["device_id": 1, "triggered_at": -1], name: "alerts_device_time"),
        MongoIndex(keys: ["rule_id": 1, "triggered_at": -1], name: "alerts_rule_time"),
        MongoIndex(keys: ["rule_id": 1, "device_id": 1, "resolved_at": -1], name: "alerts_resolutions"),
        MongoIndex(keys: ["status": 1, "resolved_at": -1], name: "alerts_status"),
    ]

    /// Creates the indexes (idempotent).
    static func prepare(client: MongoClient, settings: MongoSettings, logger: Logger) async throws {
        try await client.collection(Self.alerts, database: settings.database).createIndexes(Self.indexes)
        logger.debug("alert collection ready", metadata: ["mongodb": "\(settings)"])
    }

    /// Alerts per `"<severity>|<status>"`, counted by MongoDB; one string key because nx-27017 cannot group by a
    /// compound `_id`.
    static func countPipeline(filter: BSONDocument) -> [BSONDocument] {
        [
            ["$match": .document(filter)],
            ["$group": ["_id": ["$concat": ["$severity", "|", "$status"]], "n": ["$sum": 1]]],
        ]
    }

    /// The ten devices with most alerts (ties by device id), each with the name of its latest alert.
    static func topDevicesPipeline(filter: BSONDocument) -> [BSONDocument] {
        [
            ["$match": .document(filter)],
            ["$sort": ["triggered_at": -1, "_id": -1]],
            ["$group": ["_id": "$device_id", "n": ["$sum": 1], "device_name": ["$first": "$device_name"]]],
            ["$sort": ["n": -1, "_id": 1]],
            ["$limit": 10],
        ]
    }

    /// Alerts per status: every unresolved one, and those resolved since `resolvedSince`.
    static func statisticsPipeline(resolvedSince: Int64) -> [BSONDocument] {
        let unresolved: BSONValue = .array(AlertStatus.allCases.filter { $0 != .resolved }.map { .string($0.rawValue) })
        return [
            [
                "$match": [
                    "$or": [
                        ["status": ["$in": unresolved]],
                        ["status": .string(AlertStatus.resolved.rawValue), "resolved_at": ["$gte": .int64(resolvedSince)]],
                    ]
                ]
            ],
            ["$group": ["_id": "$status", "n": ["$sum": 1]]],
        ]
    }
}
