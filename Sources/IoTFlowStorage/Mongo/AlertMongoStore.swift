import IoTFlowCore
import MongoNIO
import Synchronization

/// Alerts and their lifecycle in MongoDB: the `alerts` collection, integer ids from the `counters` collection, and one
/// unresolved alert per rule and device held by the unique index on `open_key` (``MongoAlertSchema``).
public final class AlertMongoStore: AlertStore {
    let client: MongoClient
    let settings: MongoSettings
    /// Set once this store has made sure the unique index exists: the background preparation may not have run yet when
    /// MongoDB came up late, and without the index two instances could both open an alert.
    private let openIndexReady = Atomic<Bool>(false)

    /// Creates the store; the client must be running (it is a service of the server).
    public init(client: MongoClient, settings: MongoSettings) {
        self.client = client
        self.settings = settings
    }

    var alerts: MongoCollection { self.client.collection(MongoAlertSchema.alerts, database: self.settings.database) }
    var counters: MongoCollection { self.client.collection(MongoEventSchema.counters, database: self.settings.database) }

    /// The statuses of unresolved alerts, for reads (update filters say `$ne: "resolved"`, see ``condition(anyOf:)``).
    static let unresolved: BSONValue = .array(AlertStatus.allCases.filter { $0 != .resolved }.map { .string($0.rawValue) })

    public func openAlert(_ alert: Alert) async throws -> Alert? {
        try await MongoOutage.translating {
            try await self.ensureOpenIndex()
            var stored = alert
            stored.id = try await self.nextID()
            stored.status = .active
            stored.acknowledgedAt = nil
            stored.resolvedAt = nil
            stored.resolvedBy = nil
            // One insert, no read before it: the unique index refuses a second unresolved alert of the rule and device
            // however many instances try at once. The id reserved for a refused alert stays unused.
            do {
                try await self.alerts.insert([MongoAlertDocument.document(for: stored)], ordered: true)
            } catch let error as MongoError where error.isDuplicateKey {
                return nil
            }
            return stored
        }
    }

    public func alert(id: Int64) async throws -> Alert? {
        try await MongoOutage.translating {
            let cursor = try await self.alerts.find(["_id": .int64(id)], limit: 1)
            return try await cursor.collect().first.flatMap(MongoAlertDocument.alert(from:))
        }
    }

    public func alerts(_ query: AlertQuery) async throws -> (alerts: [Alert], total: Int) {
        try await MongoOutage.translating {
            var filter: BSONDocument = [:]
            if let user = query.userPublicID { filter["user_id"] = .string(user) }
            if let status = query.status { filter["status"] = .string(status.rawValue) }
            if let deviceID = query.deviceID { filter["device_id"] = .int64(deviceID) }
            if let ruleID = query.ruleID { filter["rule_id"] = .int64(ruleID) }
            if let severity = query.severity { filter["severity"] = .string(severity.rawValue) }
            var time: BSONDocument = [:]
            if let start = query.start { time["$gte"] = .int64(start) }
            if let end = query.end { time["$lt"] = .int64(end) }
            if !time.isEmpty { filter["triggered_at"] = .document(time) }
            let total = try await self.alerts.count(filter)
            guard query.limit > 0, query.offset < total else { return ([], total) }
            let cursor = try await self.alerts.find(
                filter, sort: ["triggered_at": -1, "_id": -1], skip: query.offset, limit: query.limit, batchSize: query.limit)
            return (try await cursor.collect().compactMap(MongoAlertDocument.alert(from:)), total)
        }
    }

    public func unresolvedAlerts(deviceIDs: [Int64]) async throws -> [Alert] {
        guard !deviceIDs.isEmpty else { return [] }
        return try await MongoOutage.translating {
            let cursor = try await self.alerts.find(
                ["device_id": ["$in": .array(Set(deviceIDs).sorted().map { .int64($0) })], "status": ["$in": Self.unresolved]], sort: ["_id": 1])
            return try await cursor.collect().compactMap(MongoAlertDocument.alert(from:))
        }
    }

    public func transition(_ transition: AlertTransition) async throws -> Alert? {
        guard !transition.from.isEmpty else { return nil }
        return try await MongoOutage.translating {
            var changes: BSONDocument = ["status": .string(transition.to.rawValue)]
            switch transition.to {
            case .acknowledged:
                changes["acknowledged_at"] = .int64(transition.at)
            case .resolved:
                changes["resolved_at"] = .int64(transition.at)
                if let resolvedBy = transition.resolvedBy { changes["resolved_by"] = .string(resolvedBy.rawValue) }
                // Frees the rule and device for a new alert in the same write that resolves this one.
                changes["open_key"] = .string(MongoAlertDocument.resolvedKey(alertID: transition.alertID))
            case .active:
                // Back to unresolved takes the rule and device's key again (rule and device never change, so reading
                // them first is safe); the unique index refuses it while another alert holds the key.
                guard let current = try await self.alert(id: transition.alertID) else { return nil }
                changes["open_key"] = .string(MongoAlertDocument.openKey(ruleID: current.ruleID, deviceID: current.deviceID))
            }
            if let note = transition.note { changes["note"] = .string(note) }
            // The status condition makes this a compare-and-set: of two racing transitions, the second matches nothing.
            var filter: BSONDocument = ["_id": .int64(transition.alertID)]
            if let status = Self.condition(anyOf: transition.from) { filter["status"] = status }
            let updated = try await self.alerts.findOneAndUpdate(filter: filter, update: ["$set": .document(changes)], returnNew: true)
            return updated.flatMap(MongoAlertDocument.alert(from:))
        }
    }

    public func recordValue(alertID: Int64, value: Double?, at timestamp: Int64) async throws {
        var update: BSONDocument = [:]
        if let value {
            update["$set"] = ["value": .double(value), "last_value_at": .int64(timestamp)]
        } else {
            update["$set"] = ["last_value_at": .int64(timestamp)]
            update["$unset"] = ["value": ""]
        }
        let unresolved: BSONDocument = ["_id": .int64(alertID), "status": ["$ne": .string(AlertStatus.resolved.rawValue)]]
        var notNewer = unresolved
        notNewer["last_value_at"] = ["$lte": .int64(timestamp)]
        var firstPoint = unresolved
        firstPoint["last_value_at"] = ["$exists": false]
        // Never moves back in time, so an instance evaluating an older point cannot overwrite a newer one. Two filters
        // instead of one `$or` (nx-27017 applies an update filtered by `$or` to another document): an alert without a
        // recorded point gets one, else the point must not be older; when another caller recorded the first point in
        // between, the second try decides.
        try await MongoOutage.translating {
            if try await self.alerts.updateOne(filter: notNewer, update: update).matchedCount > 0 { return }
            if try await self.alerts.updateOne(filter: firstPoint, update: update).matchedCount > 0 { return }
            _ = try await self.alerts.updateOne(filter: notNewer, update: update)
        }
    }

    public func lastResolution(ruleID: Int64, deviceID: Int64) async throws -> Int64? {
        try await MongoOutage.translating {
            let cursor = try await self.alerts.find(
                ["rule_id": .int64(ruleID), "device_id": .int64(deviceID), "status": .string(AlertStatus.resolved.rawValue)],
                sort: ["resolved_at": -1], limit: 1, projection: ["resolved_at": 1])
            return try await cursor.collect().first?["resolved_at"]?.int64Value
        }
    }

    public func resolveAll(ruleID: Int64, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert] {
        try await self.resolveAll(["rule_id": .int64(ruleID)], by: resolution, at: timestamp)
    }

    public func resolveAll(deviceID: Int64, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert] {
        try await self.resolveAll(["device_id": .int64(deviceID)], by: resolution, at: timestamp)
    }

    /// Resolves the unresolved alerts matching `filter` one by one with the compare-and-set of ``transition(_:)``, so
    /// each is returned by the one caller that resolved it and its `open_key` is freed with it.
    private func resolveAll(_ filter: BSONDocument, by resolution: AlertResolution, at timestamp: Int64) async throws -> [Alert] {
        var unresolved = filter
        unresolved["status"] = ["$in": Self.unresolved]
        let ids = try await MongoOutage.translating {
            try await self.alerts.find(unresolved, sort: ["_id": 1], projection: ["_id": 1]).collect().compactMap { $0["_id"]?.int64Value }
        }
        var resolved: [Alert] = []
        for id in ids {
            let transition = AlertTransition(
                alertID: id, to: .resolved, from: [.active, .acknowledged], at: timestamp, resolvedBy: resolution)
            if let alert = try await self.transition(transition) { resolved.append(alert) }
        }
        return resolved
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

    /// A condition on `status` that holds for exactly the statuses of `statuses` (nil: any status), written as equal or
    /// not-equal for the three statuses there are: nx-27017 applies an update whose filter holds `$in` (or `$or`) to
    /// another document than the one that matched, so update filters avoid both.
    static func condition(anyOf statuses: Set<AlertStatus>) -> BSONValue? {
        let others = Set(AlertStatus.allCases).subtracting(statuses)
        if statuses.count == 1, let only = statuses.first { return .string(only.rawValue) }
        if others.count == 1, let excluded = others.first { return ["$ne": .string(excluded.rawValue)] }
        return others.isEmpty ? nil : ["$in": .array(statuses.map { .string($0.rawValue) })]
    }

    /// Creates the unique index once per store (idempotent on the server).
    private func ensureOpenIndex() async throws {
        guard !self.openIndexReady.load(ordering: .acquiring) else { return }
        try await self.alerts.createIndexes([MongoAlertSchema.openIndex])
        self.openIndexReady.store(true, ordering: .releasing)
    }

    /// The next alert id; `$inc` is atomic, so instances never share one.
    private func nextID() async throws -> Int64 {
        let reserve = {
            try await self.counters.findOneAndUpdate(
                filter: ["_id": .string(MongoAlertSchema.counter)], update: ["$inc": ["seq": .int64(1)]], returnNew: true, upsert: true)
        }
        let reserved: BSONDocument?
        do {
            reserved = try await reserve()
        } catch let error as MongoError where error.isDuplicateKey {
            // Two first upserts of the counter raced and this one lost the insert; the document exists now.
            reserved = try await reserve()
        }
        guard let id = reserved?["seq"]?.int64Value else {
            throw MongoEventStoreError("the alert id counter answered without a sequence number")
        }
        return id
    }
}
