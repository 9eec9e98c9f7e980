import Foundation
import IoTFlowCore
import MongoNIO
import Testing

@testable import IoTFlowStorage

/// What the MongoDB alert store leaves in MongoDB, read back by pymongo, and the unique index it relies on.
@Suite("Alerts in MongoDB: documents and the one-unresolved-alert index")
struct AlertMongoStoreTests {
    @Test("two instances on a database whose indexes were never prepared still open one alert per rule and device")
    func uniqueIndexWithoutPreparation() async throws {
        let mongo = try await MongoTestDatabase.create()
        do {
            // As when MongoDB came up after the server and the background preparation has not run yet.
            try await mongo.client.collection(MongoAlertSchema.alerts, database: mongo.settings.database).drop()
            let other = MongoTestDatabase.Instance(of: mongo)
            let stores = [
                AlertMongoStore(client: mongo.client, settings: mongo.settings), AlertMongoStore(client: other.client, settings: mongo.settings),
            ]
            let opened = try await withThrowingTaskGroup(of: Alert?.self) { group in
                for attempt in 0..<20 {
                    let store = stores[attempt % 2]
                    group.addTask { try await store.openAlert(AlertLifecycleContract.alert(rule: 1, device: 10, at: Int64(attempt))) }
                }
                var opened: [Alert] = []
                for try await alert in group { if let alert { opened.append(alert) } }
                return opened
            }
            #expect(opened.count == 1, "\(opened.count) alerts opened")
            #expect(try await stores[1].alerts(AlertQuery()).total == 1)
            await other.stop()
        } catch {
            await mongo.drop()
            throw error
        }
        await mongo.drop()
    }

    @Test("alerts are stored with their fields, absent ones left out, and open_key freed on resolution, as pymongo reads them")
    func documentsAsPymongoReadsThem() async throws {
        let mongo = try await MongoTestDatabase.create()
        do {
            let store = mongo.alertStore
            let hot = try #require(
                try await store.openAlert(AlertLifecycleContract.alert(rule: 3, device: 42, at: 1_764_410_130_123, value: 31.5)))
            let silent = try #require(try await store.openAlert(AlertLifecycleContract.offlineAlert(rule: 4, device: 42, at: 1_764_410_140_000)))
            _ = try #require(
                try await store.transition(
                    AlertTransition(alertID: hot.id, to: .resolved, from: [.active], at: 1_764_410_150_000, resolvedBy: .auto, note: "ok")))
            let uri = try #require(ProcessInfo.processInfo.environment["IOTFLOW_TEST_MONGODB_URI"])
            let lines = try await EventMongoStoreTests.python(EventMongoStoreTests.dumpScript, arguments: [uri, mongo.settings.database, "alerts"])
                .split(separator: "\n").map(String.init)
            try #require(lines.count == 2, "pymongo saw \(lines)")
            let resolved = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            let offline = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
            #expect(EventMongoStoreTests.integer(resolved["_id"]) == hot.id)
            #expect(
                Array(resolved.keys).sorted() == [
                    "_id", "device_id", "device_name", "key", "last_value_at", "message", "note", "open_key", "operator", "resolved_at",
                    "resolved_by", "rule_id", "rule_name", "severity", "status", "threshold", "triggered_at", "type", "user_id", "value",
                ])
            #expect(resolved["open_key"] as? String == "resolved:\(hot.id)")
            #expect((resolved["threshold"] as? [String: String])?["$numberDouble"] == "30.0")
            #expect((resolved["value"] as? [String: String])?["$numberDouble"] == "31.5")
            #expect(EventMongoStoreTests.integer(resolved["triggered_at"]) == 1_764_410_130_123)
            #expect(EventMongoStoreTests.integer(resolved["resolved_at"]) == 1_764_410_150_000)
            #expect(resolved["status"] as? String == "resolved" && resolved["resolved_by"] as? String == "auto")
            // An offline alert has no key, comparison, threshold, value or recorded point: the fields are absent, not null.
            #expect(EventMongoStoreTests.integer(offline["_id"]) == silent.id)
            #expect(
                Array(offline.keys).sorted() == [
                    "_id", "device_id", "device_name", "message", "open_key", "rule_id", "rule_name", "severity", "status", "triggered_at", "type",
                    "user_id",
                ])
            #expect(offline["open_key"] as? String == "4:42")
            #expect(try await store.alert(id: silent.id) == silent)
        } catch {
            await mongo.drop()
            throw error
        }
        await mongo.drop()
    }

    @Test("the alert indexes exist after preparation")
    func indexes() async throws {
        let mongo = try await MongoTestDatabase.create()
        do {
            let reply = try await mongo.client.runCommand(["listIndexes": "alerts", "cursor": [:]], database: mongo.settings.database)
            let indexes = reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.compactMap(\.documentValue) ?? []
            let keys = indexes.compactMap { $0["key"]?.documentValue?.keys }
            for expected in [
                ["open_key"], ["triggered_at"], ["user_id", "triggered_at"], ["device_id", "triggered_at"], ["rule_id", "triggered_at"],
            ] {
                #expect(keys.contains(expected), "no index on \(expected) in \(indexes)")
            }
            let open = indexes.first { $0["key"]?.documentValue?.keys == ["open_key"] }
            #expect(open?["unique"]?.boolValue == true, "open_key index \(String(describing: open))")
        } catch {
            await mongo.drop()
            throw error
        }
        await mongo.drop()
    }
}
