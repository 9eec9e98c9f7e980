import Foundation
import Logging
import Testing

@testable import MongoNIO

/// Every command against nx-27017 (scripts/test.sh starts it; IOTFLOW_TEST_MONGODB_URI), each test in a collection
/// of its own.
@Suite("Client against nx-27017")
struct MongoClientIntegrationTests {
    /// Runs `body` with a running client and a fresh collection, dropped afterwards.
    private func withCollection<Result: Sendable>(
        _ test: String = #function,
        configure: (inout MongoConfiguration) -> Void = { _ in },
        _ body: (MongoClient, MongoCollection) async throws -> Result
    ) async throws -> Result {
        var configuration = try MongoTestEnvironment.configuration()
        configure(&configuration)
        let database = configuration.database ?? "mongonio_test"
        return try await withRunningClient(configuration) { client in
            let collection = client.collection(MongoTestEnvironment.uniqueName(test), database: database)
            let result = try await body(client, collection)
            try await collection.drop()
            return result
        }
    }

    private static func numbers(_ count: Int) -> [BSONDocument] {
        (0..<count).map { ["n": .int32(Int32($0)), "even": .bool($0 % 2 == 0)] }
    }

    @Test("ping measures a round trip; runCommand adds $db and returns the answer")
    func pingAndRunCommand() async throws {
        try await self.withCollection { client, _ in
            let roundTrip = try await client.ping()
            #expect(roundTrip > .zero)
            let hello = try await client.runCommand(["hello": .int32(1)], database: "admin")
            #expect(hello["isWritablePrimary"] == .bool(true))
            #expect(client.primaryAddress != nil)
        }
    }

    @Test("ok: 0 throws MongoError.server with the server's message")
    func serverError() async throws {
        try await self.withCollection { client, collection in
            let error = await #expect(throws: MongoError.self) {
                _ = try await client.runCommand(
                    ["aggregate": .string(collection.name), "pipeline": .array([.document(["$bogus": .int32(1)])]), "cursor": .document([:])],
                    database: collection.database
                )
            }
            #expect(error?.code == .server)
            #expect(error?.message.contains("$bogus") == true)
            // The connection survives a server error.
            _ = try await client.ping()
        }
    }

    @Test("insert, then find with filter, sort, skip, limit and projection")
    func findOptions() async throws {
        try await self.withCollection { _, collection in
            #expect(try await collection.insert(Self.numbers(20)) == 20)
            let cursor = try await collection.find(
                ["even": .bool(true)],
                sort: ["n": .int32(-1)],
                skip: 1,
                limit: 3,
                projection: ["n": .int32(1), "_id": .int32(0)]
            )
            let documents = try await cursor.collect()
            #expect(documents.map { $0["n"]?.int64Value } == [16, 14, 12])
            #expect(documents.allSatisfy { $0.keys == ["n"] })
        }
    }

    @Test("a cursor over several batches yields every document once, in order, with getMore")
    func cursorBatches() async throws {
        try await self.withCollection { _, collection in
            try await collection.insert(Self.numbers(25))
            let cursor = try await collection.find(sort: ["n": .int32(1)], batchSize: 4)
            #expect(cursor.id != 0)
            var seen: [Int64] = []
            for try await document in cursor {
                seen.append(try #require(document["n"]?.int64Value))
            }
            #expect(seen == (0..<25).map(Int64.init))
            #expect(cursor.id == 0)
        }
    }

    @Test("a cursor closed early is killed on the server; one released early is killed too")
    func cursorAbandoned() async throws {
        try await self.withCollection { client, collection in
            try await collection.insert(Self.numbers(10))

            let closed = try await collection.find(sort: ["n": .int32(1)], batchSize: 2)
            var iterator = closed.makeAsyncIterator()
            _ = try await iterator.next()
            let closedID = closed.id
            #expect(closedID != 0)
            try await closed.close()
            #expect(closed.id == 0)
            #expect(try await self.isKilled(closedID, client: client, collection: collection))

            var releasedID: Int64 = 0
            do {
                let released = try await collection.find(sort: ["n": .int32(1)], batchSize: 2)
                releasedID = released.id
                var iterator = released.makeAsyncIterator()
                _ = try await iterator.next()
            }
            #expect(releasedID != 0)
            try await eventually("the released cursor is killed") {
                try await self.isKilled(releasedID, client: client, collection: collection)
            }

            // The check itself tells an open cursor from a killed one (and kills it).
            let open = try await collection.find(sort: ["n": .int32(1)], batchSize: 2)
            #expect(try await !self.isKilled(open.id, client: client, collection: collection))
        }
    }

    /// Whether the server no longer knows the cursor: a second killCursors finds nothing to kill.
    private func isKilled(_ id: Int64, client: MongoClient, collection: MongoCollection) async throws -> Bool {
        let answer = try await client.runCommand(
            ["killCursors": .string(collection.name), "cursors": .array([.int64(id)])],
            database: collection.database
        )
        return answer["cursorsKilled"]?.arrayValue?.isEmpty ?? true
    }

    @Test("aggregate with a cursor; count through $match and $count")
    func aggregateAndCount() async throws {
        try await self.withCollection { _, collection in
            try await collection.insert(Self.numbers(30))
            let cursor = try await collection.aggregate(
                [["$match": .document(["even": .bool(false)])], ["$sort": .document(["n": .int32(1)])], ["$limit": .int32(5)]],
                batchSize: 2
            )
            let odd = try await cursor.collect()
            #expect(odd.map { $0["n"]?.int64Value } == [1, 3, 5, 7, 9])
            #expect(try await collection.count() == 30)
            #expect(try await collection.count(["even": .bool(true)]) == 15)
            #expect(try await collection.count(["n": .int32(1000)]) == 0)
            let facets = try await collection.aggregate([
                ["$facet": .document(["low": .array([.document(["$match": .document(["n": .document(["$lt": .int32(3)])])])])])]
            ]).collect()
            #expect(facets.first?["low"]?.arrayValue?.count == 3)
        }
    }

    @Test("many documents are inserted in several insert commands, by the batch size")
    func insertInBatches() async throws {
        let recorder = LogRecorder()
        var configuration = try MongoTestEnvironment.configuration()
        configuration.insertBatchSize = 100
        let database = configuration.database ?? "mongonio_test"
        let client = MongoClient(configuration: configuration, logger: recorder.logger())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            try await eventually("the client connects") { client.isConnected }
            let collection = client.collection(MongoTestEnvironment.uniqueName(), database: database)
            #expect(try await collection.insert(Self.numbers(1050)) == 1050)
            #expect(try await collection.count() == 1050)
            let inserts = recorder.all.filter { $0.message == "MongoDB command sent" && $0.metadata[MongoLoggingKey.command] == "insert" }
            #expect(inserts.count == 11)
            try await collection.drop()
            group.cancelAll()
        }
    }

    @Test("a duplicate key is a typed write error; unordered inserts the rest, ordered stops at the first")
    func duplicateKey() async throws {
        try await self.withCollection { _, collection in
            try await collection.createIndexes([MongoIndex(keys: ["n": .int32(1)], unique: true)])
            try await collection.insert([["n": .int32(1)]])
            let unordered = await #expect(throws: MongoError.self) {
                try await collection.insert([["n": .int32(2)], ["n": .int32(1)], ["n": .int32(3)], ["n": .int32(2)]])
            }
            #expect(unordered?.code == .writeErrors)
            #expect(unordered?.isDuplicateKey == true)
            #expect(unordered?.insertedCount == 2)
            #expect(unordered?.writeErrors.map(\.index) == [1, 3])
            #expect(unordered?.writeErrors.allSatisfy { $0.code == 11000 } == true)

            let ordered = await #expect(throws: MongoError.self) {
                try await collection.insert([["n": .int32(4)], ["n": .int32(1)], ["n": .int32(5)]], ordered: true)
            }
            #expect(ordered?.insertedCount == 1)
            #expect(ordered?.writeErrors.map(\.index) == [1])
            #expect(try await collection.count() == 4)
        }
    }

    @Test("updateOne, updateMany and an upsert report what they matched, changed and inserted")
    func updates() async throws {
        try await self.withCollection { _, collection in
            try await collection.insert(Self.numbers(6))
            let one = try await collection.updateOne(filter: ["even": .bool(true)], update: ["$set": .document(["tag": .string("one")])])
            #expect(one == MongoUpdateResult(matchedCount: 1, modifiedCount: 1))
            let many = try await collection.updateMany(filter: ["even": .bool(false)], update: ["$inc": .document(["n": .int32(100)])])
            #expect(many.matchedCount == 3)
            #expect(many.modifiedCount == 3)
            let none = try await collection.updateOne(filter: ["n": .int32(-1)], update: ["$set": .document(["x": .int32(1)])])
            #expect(none == MongoUpdateResult(matchedCount: 0, modifiedCount: 0))
            let upsert = try await collection.updateOne(filter: ["n": .int32(-1)], update: ["$set": .document(["x": .int32(1)])], upsert: true)
            #expect(upsert.matchedCount == 0)
            #expect(upsert.upsertedID != nil)
            #expect(try await collection.count(["n": .document(["$gte": .int32(100)])]) == 3)
            #expect(try await collection.count(["tag": .string("one")]) == 1)
        }
    }

    @Test("findOneAndUpdate returns the document before or after, in sort order, or nil")
    func findOneAndUpdate() async throws {
        try await self.withCollection { _, collection in
            try await collection.insert([["k": .string("a"), "v": .int32(1)], ["k": .string("a"), "v": .int32(2)]])
            let before = try await collection.findOneAndUpdate(
                filter: ["k": .string("a")], update: ["$set": .document(["seen": .string("yes")])], sort: ["v": .int32(-1)]
            )
            #expect(before?["v"]?.int64Value == 2)
            #expect(before?["seen"] == nil)
            let after = try await collection.findOneAndUpdate(
                filter: ["k": .string("a")], update: ["$inc": .document(["v": .int32(10)])], sort: ["v": .int32(1)], returnNew: true
            )
            #expect(after?["v"]?.int64Value == 11)
            let missing = try await collection.findOneAndUpdate(filter: ["k": .string("zzz")], update: ["$set": .document(["v": .int32(0)])])
            #expect(missing == nil)
            let upserted = try await collection.findOneAndUpdate(
                filter: ["k": .string("b")], update: ["$set": .document(["v": .int32(7)])], returnNew: true, upsert: true
            )
            #expect(upserted?["v"]?.int64Value == 7)
        }
    }

    @Test("deleteOne and deleteMany return how many went; drop ignores a missing collection")
    func deletesAndDrop() async throws {
        try await self.withCollection { _, collection in
            try await collection.insert(Self.numbers(10))
            #expect(try await collection.deleteOne(["even": .bool(true)]) == 1)
            #expect(try await collection.deleteMany(["even": .bool(true)]) == 4)
            #expect(try await collection.deleteMany(["even": .bool(true)]) == 0)
            #expect(try await collection.count() == 5)
            try await collection.drop()
            try await collection.drop()
            #expect(try await collection.count() == 0)
        }
    }

    @Test("createIndexes: compound, unique, TTL and partial indexes are accepted and listed")
    func indexes() async throws {
        try await self.withCollection { client, collection in
            try await collection.createIndexes([
                MongoIndex(keys: ["device": .int32(1), "time": .int32(-1)], unique: true),
                MongoIndex(keys: ["expiresAt": .int32(1)], name: "ttl", expireAfterSeconds: 3600),
                MongoIndex(
                    keys: ["code": .int32(1)], name: "partial", unique: true, partialFilterExpression: ["code": .document(["$exists": .bool(true)])]),
            ])
            let listed = try await client.runCommand(["listIndexes": .string(collection.name)], database: collection.database)
            let indexes = listed["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.compactMap(\.documentValue) ?? []
            #expect(indexes.count == 4)
            #expect(indexes.contains { $0["expireAfterSeconds"]?.int64Value == 3600 })
        }
    }

    @Test("pymongo reads back what the client wrote: field order and BSON types")
    func pymongoReadsBack() async throws {
        let uri = try MongoTestEnvironment.variable("IOTFLOW_TEST_MONGODB_URI")
        try await self.withCollection { _, collection in
            let id = BSONObjectID()
            let document: BSONDocument = [
                "_id": .objectID(id),
                "name": .string("sensor-ü"),
                "small": .int32(-7),
                // nx-27017 narrows an int64 that fits 32 bits to int32; a large one keeps its type.
                "large": .int64(1 << 40),
                "ratio": .double(0.25),
                "on": .bool(true),
                "at": .datetime(1_700_000_000_123),
                "nothing": .null,
                "tags": .array([.string("a"), .int32(2)]),
                "nested": .document(["z": .int32(1), "a": .int32(2)]),
                "raw": .binary(BSONBinary(data: [0, 1, 255])),
            ]
            try await collection.insert([document])
            let script = """
                import sys, json, pymongo, bson
                from bson.codec_options import CodecOptions
                from bson.son import SON
                client = pymongo.MongoClient(sys.argv[1], directConnection=True, serverSelectionTimeoutMS=30000)
                db = client.get_database(sys.argv[2], codec_options=CodecOptions(document_class=SON))
                doc = db[sys.argv[3]].find_one()
                def describe(value):
                    if isinstance(value, SON):
                        return {"type": "document", "keys": list(value.keys())}
                    if isinstance(value, bson.Binary):
                        return {"type": "binary", "subtype": value.subtype, "hex": bytes(value).hex()}
                    if isinstance(value, bytes):
                        return {"type": "binary", "subtype": 0, "hex": value.hex()}
                    return {"type": type(value).__name__, "repr": repr(value)}
                print(json.dumps([[key, describe(value)] for key, value in doc.items()]))
                """
            let output = try await runPython(script, arguments: [uri, collection.database, collection.name])
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[Any]])
            let keys = fields.compactMap { $0.first as? String }
            #expect(keys == document.keys)
            var types: [String: String] = [:]
            var details: [String: [String: Any]] = [:]
            for field in fields {
                if let key = field.first as? String, let detail = field.last as? [String: Any] {
                    types[key] = detail["type"] as? String
                    details[key] = detail
                }
            }
            #expect(types["_id"] == "ObjectId")
            #expect(details["_id"]?["repr"] as? String == "ObjectId('\(id.hex)')")
            #expect(types["name"] == "str")
            #expect(details["name"]?["repr"] as? String == "'sensor-ü'")
            #expect(types["small"] == "int")
            #expect(types["large"] == "Int64")
            #expect(types["ratio"] == "float")
            #expect(types["on"] == "bool")
            #expect(types["at"] == "datetime")
            #expect((details["at"]?["repr"] as? String)?.contains("2023, 11, 14, 22, 13, 20, 123000") == true)
            #expect(types["nothing"] == "NoneType")
            #expect(types["tags"] == "list")
            #expect(details["nested"]?["keys"] as? [String] == ["z", "a"])
            #expect(details["raw"]?["hex"] as? String == "0001ff")
        }
    }

    @Test("a document without _id gets an ObjectId from the client")
    func generatedID() async throws {
        try await self.withCollection { _, collection in
            try await collection.insert([["a": .int32(1)]])
            let stored = try #require(try await collection.find().collect().first)
            #expect(stored.keys.first == "_id")
            #expect(stored["_id"]?.objectIDValue != nil)
        }
    }

    @Test("many concurrent commands share the pool's connections")
    func concurrentCommands() async throws {
        try await self.withCollection { _, collection in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<20 {
                    group.addTask {
                        try await collection.insert([["worker": .int32(Int32(worker))]])
                    }
                }
                var total = 0
                for try await inserted in group {
                    total += inserted
                }
                #expect(total == 20)
            }
            #expect(try await collection.count() == 20)
        }
    }
}
