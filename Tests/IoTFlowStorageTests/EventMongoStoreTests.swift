import Foundation
import IoTFlowCore
import MongoNIO
import TestProcess
import Testing

@testable import IoTFlowStorage

/// What the MongoDB event store leaves in MongoDB, read back by an independent client (pymongo), and its indexes.
@Suite("Event log in MongoDB: documents and indexes")
struct EventMongoStoreTests {
    /// Runs `script` with the Python named by `IOTFLOW_TEST_PYTHON` (pymongo installed) and returns its standard output.
    static func python(_ script: String, arguments: [String]) async throws -> String {
        let interpreter = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_PYTHON"],
            "IOTFLOW_TEST_PYTHON must name a Python with pymongo (scripts/test.sh exports the test tools' one)")
        let result = try await runCommand(interpreter, ["-c", script] + arguments)
        #expect(result.status == 0, "python failed: \(result.errors)")
        return result.output
    }

    /// An integer in canonical extended JSON. The store writes int64s; nx-27017 (the test server) hands back those that
    /// fit as int32s, so either is accepted here (the BSON tests check the bytes the client sends).
    static func integer(_ value: Any?) -> Int64? {
        guard let wrapper = value as? [String: String] else { return nil }
        return (wrapper["$numberLong"] ?? wrapper["$numberInt"]).flatMap { Int64($0) }
    }

    /// pymongo's view of a collection: every document as canonical extended JSON, one per line, by `_id`.
    static let dumpScript = """
        import sys, pymongo
        from bson import json_util
        client = pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=30000)
        for doc in client[sys.argv[2]][sys.argv[3]].find().sort("_id", 1):
            print(json_util.dumps(doc, json_options=json_util.CANONICAL_JSON_OPTIONS))
        """

    @Test("events are stored with their documented fields and BSON types, as pymongo reads them")
    func documentsAsPymongoReadsThem() async throws {
        let mongo = try await MongoTestDatabase.create()
        do {
            let user = StoreFixture.publicID("alice")
            try await mongo.store.append([
                Event(type: "user.registered", timestamp: 1_764_410_130_123, userPublicID: user),
                Event(
                    type: "telemetry.submitted", timestamp: 1_764_410_131_000, userPublicID: user, deviceID: 42,
                    details: ["count": 3, "ratio": 0.5, "ok": true, "note": nil, "tags": ["a", 1], "nested": ["k": "v"]]),
            ])
            let uri = try #require(ProcessInfo.processInfo.environment["IOTFLOW_TEST_MONGODB_URI"])
            let lines = try await Self.python(Self.dumpScript, arguments: [uri, mongo.settings.database, "events"])
                .split(separator: "\n").map(String.init)
            try #require(lines.count == 2, "pymongo saw \(lines)")
            let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
            #expect(Array(first.keys).sorted() == ["_id", "details", "event_type", "timestamp", "ts_ms", "user_id"])
            #expect(Self.integer(first["_id"]) != nil, "_id is an integer: \(lines[0])")
            #expect(first["event_type"] as? String == "user.registered")
            #expect(((first["timestamp"] as? [String: Any])?["$date"] as? [String: String])?["$numberLong"] == "1764410130123")
            #expect(Self.integer(first["ts_ms"]) == 1_764_410_130_123)
            #expect(first["user_id"] as? String == user)
            #expect(Self.integer(second["device_id"]) == 42)
            // Field order and types of the details survive: integers, fractions as doubles, booleans, null, arrays, objects.
            let details = try #require(second["details"] as? [String: Any])
            #expect(lines[1].contains(#""details": {"count": "#), "\(lines[1])")
            #expect(Self.integer(details["count"]) == 3)
            #expect((details["ratio"] as? [String: String])?["$numberDouble"] == "0.5")
            #expect(details["ok"] as? Bool == true)
            #expect(details["note"] is NSNull)
            #expect(
                lines[1].range(
                    of: #"\{"count": .*, "ratio": .*, "ok": true, "note": null, "tags": \["a", .*\], "nested": \{"k": "v"\}\}"#,
                    options: .regularExpression)
                    != nil, "details keep their order: \(lines[1])")
            // And the store reads back exactly what it wrote.
            let (events, total) = try await mongo.store.events(EventQuery())
            #expect(total == 2)
            #expect(events.map(\.type) == ["telemetry.submitted", "user.registered"])
            #expect(events.first?.details["nested"] == ["k": "v"])
        } catch {
            await mongo.drop()
            throw error
        }
        await mongo.drop()
    }

    @Test("ids are unique across stores appending at once (one counter, reserved in blocks)")
    func idsAcrossInstances() async throws {
        let mongo = try await MongoTestDatabase.create()
        do {
            let other = MongoTestDatabase.Instance(of: mongo)
            try await withThrowingTaskGroup { group in
                for index in 0..<20 {
                    let store = index % 2 == 0 ? mongo.store : other.store
                    group.addTask {
                        try await store.append((0..<5).map { Event(type: "user.login", timestamp: Int64(index * 10 + $0), userPublicID: nil) })
                    }
                }
                try await group.waitForAll()
            }
            let (events, total) = try await mongo.store.events(EventQuery(limit: 1000))
            #expect(total == 100)
            #expect(Set(events.compactMap(\.id)).count == 100)
            await other.stop()
        } catch {
            await mongo.drop()
            throw error
        }
        await mongo.drop()
    }

    @Test("the indexes exist; EVENT_RETENTION_DAYS adds a TTL index on the event time")
    func indexes() async throws {
        let mongo = try await MongoTestDatabase.create(retentionDays: 30)
        do {
            let reply = try await mongo.client.runCommand(["listIndexes": "events", "cursor": [:]], database: mongo.settings.database)
            let indexes = reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.compactMap(\.documentValue) ?? []
            let keys = indexes.compactMap { $0["key"]?.documentValue?.keys }
            for expected in [["ts_ms"], ["event_type", "ts_ms"], ["user_id", "ts_ms"], ["device_id", "ts_ms"], ["timestamp"]] {
                #expect(keys.contains(expected), "no index on \(expected) in \(indexes)")
            }
            let ttl = indexes.first { $0["key"]?.documentValue?.keys == ["timestamp"] }
            let lifetime = ttl?["expireAfterSeconds"]?.int64Value
            #expect(lifetime == Int64(30 * 86_400), "TTL index \(String(describing: ttl))")
        } catch {
            await mongo.drop()
            throw error
        }
        await mongo.drop()
    }
}

extension MongoTestDatabase {
    /// A second client and store on the same database, as a second server instance would have.
    struct Instance: Sendable {
        let client: MongoClient
        let store: EventMongoStore
        let runTask: Task<Void, any Error>

        init(of database: MongoTestDatabase) {
            let client = MongoClient(
                configuration: MongoConfiguration(connectionString: database.settings.connectionString), logger: MongoTestDatabase.logger)
            self.client = client
            self.store = EventMongoStore(client: client, settings: database.settings)
            self.runTask = Task { try await client.run() }
        }

        func stop() async {
            self.runTask.cancel()
            _ = try? await self.runTask.value
        }
    }
}
