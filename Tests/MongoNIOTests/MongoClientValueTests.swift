import Testing

@testable import MongoNIO

@Suite("Client values: server roles, addresses, batches, index names, errors")
struct MongoClientValueTests {
    @Test("hello answers tell a standalone, a primary, a secondary and a router apart")
    func roles() {
        let standalone = MongoServerDescription(hello: ["isWritablePrimary": .bool(true), "ok": .double(1)])
        #expect(standalone.role == .standalone)
        #expect(standalone.isWritable)
        #expect(standalone.maxMessageSizeBytes == 48_000_000)
        #expect(standalone.maxWriteBatchSize == 100_000)

        let primary = MongoServerDescription(hello: [
            "isWritablePrimary": .bool(true), "setName": .string("rs0"),
            "hosts": .array([.string("a:27017"), .string("b:27018")]), "primary": .string("a:27017"),
            "maxWriteBatchSize": .int32(1000), "maxMessageSizeBytes": .int64(2_000_000),
        ])
        #expect(primary.role == .primary)
        #expect(primary.setName == "rs0")
        #expect(primary.hosts == ["a:27017", "b:27018"])
        #expect(primary.maxWriteBatchSize == 1000)
        #expect(primary.maxMessageSizeBytes == 2_000_000)

        let secondary = MongoServerDescription(hello: [
            "isWritablePrimary": .bool(false), "secondary": .bool(true), "setName": .string("rs0"), "primary": .string("a:27017"),
        ])
        #expect(secondary.role == .otherMember)
        #expect(!secondary.isWritable)
        #expect(secondary.primary == "a:27017")

        let router = MongoServerDescription(hello: ["isWritablePrimary": .bool(true), "msg": .string("isdbgrid")])
        #expect(router.role == .router)

        let legacy = MongoServerDescription(hello: ["ismaster": .bool(true), "maxWriteBatchSize": .double(500)])
        #expect(legacy.role == .standalone)
        #expect(legacy.maxWriteBatchSize == 500)
    }

    @Test("host:port as hello lists members, IPv6 in brackets, the default port")
    func addresses() {
        #expect(MongoServerAddress("db1.example:27018") == MongoServerAddress(host: "db1.example", port: 27018))
        #expect(MongoServerAddress("db1") == MongoServerAddress(host: "db1", port: 27017))
        #expect(MongoServerAddress("[::1]:27019") == MongoServerAddress(host: "::1", port: 27019))
        #expect(MongoServerAddress(host: "::1", port: 27019).description == "[::1]:27019")
        #expect(MongoServerAddress("a:b") == nil)
        #expect(MongoServerAddress("a:0") == nil)
        #expect(MongoServerAddress("") == nil)
    }

    @Test("insert batches respect the count and byte limits; an oversized document goes alone")
    func batches() {
        #expect(MongoCollection.batches(sizes: Array(repeating: 10, count: 7), maxCount: 3, maxBytes: 1000) == [0..<3, 3..<6, 6..<7])
        #expect(MongoCollection.batches(sizes: [40, 40, 40, 40], maxCount: 100, maxBytes: 100) == [0..<2, 2..<4])
        #expect(MongoCollection.batches(sizes: [10, 500, 10], maxCount: 100, maxBytes: 100) == [0..<1, 1..<2, 2..<3])
        #expect(MongoCollection.batches(sizes: [], maxCount: 100, maxBytes: 100) == [])
    }

    @Test("write errors are numbered by the caller's array, not by the batch")
    func writeErrorOffsets() throws {
        let reply: BSONDocument = [
            "ok": .double(1), "n": .int32(1),
            "writeErrors": .array([.document(["index": .int32(1), "code": .int32(11000), "errmsg": .string("E11000 duplicate key")])]),
        ]
        let errors = try MongoCollection.writeErrors(reply, offset: 100)
        #expect(errors == [MongoError.WriteError(index: 101, code: 11000, message: "E11000 duplicate key")])
        #expect(errors[0].isDuplicateKey)
    }

    @Test("index names follow the drivers' convention unless given")
    func indexNames() {
        #expect(MongoIndex(keys: ["device": .int32(1), "time": .int32(-1)]).resolvedName == "device_1_time_-1")
        #expect(MongoIndex(keys: ["body": .string("text")]).resolvedName == "body_text")
        #expect(MongoIndex(keys: ["a": .int32(1)], name: "mine").resolvedName == "mine")
        let ttl = MongoIndex(keys: ["at": .int32(1)], unique: true, expireAfterSeconds: 60, partialFilterExpression: ["a": .bool(true)]).document
        #expect(ttl.keys == ["key", "name", "unique", "expireAfterSeconds", "partialFilterExpression"])
    }

    @Test("errors read well, say whether a key was duplicate, and a configuration never prints its password")
    func descriptions() {
        let server = MongoError.server(code: 11000, codeName: "DuplicateKey", message: "E11000 duplicate key")
        #expect(server.isDuplicateKey)
        #expect(server.description == "MongoError(server, 11000 DuplicateKey): E11000 duplicate key")
        let writes = MongoError(
            code: .writeErrors, message: "1 of 2 documents were not inserted",
            writeErrors: [.init(index: 1, code: 11000, message: "dup")], insertedCount: 1
        )
        #expect(writes.isDuplicateKey)
        #expect(writes.description.contains("#1 (11000): dup"))
        #expect(!MongoError.timeout().isDuplicateKey)

        var configuration = MongoConfiguration(hosts: [MongoServerAddress(host: "db", port: 27017)])
        configuration.username = "app"
        configuration.password = "s3cret-pw"
        #expect(!configuration.description.contains("s3cret-pw"))
        #expect(configuration.description.contains("app"))
        #expect(configuration.credentials?.database == "admin")
        #expect(!"\(configuration.credentials!)".contains("s3cret-pw"))
        configuration.database = "telemetry"
        #expect(configuration.credentials?.database == "telemetry")
        configuration.authSource = "users"
        #expect(configuration.credentials?.database == "users")
    }

    @Test("a connection string fills the configuration: hosts, credentials, databases, options, TLS")
    func connectionString() throws {
        let configuration = try MongoConfiguration(
            uri:
                "mongodb://app:pw@db1:27018,db2/telemetry?authSource=users&replicaSet=rs0&appName=ingest&maxPoolSize=8&connectTimeoutMS=2500&tls=true"
        )
        #expect(configuration.hosts == [MongoServerAddress(host: "db1", port: 27018), MongoServerAddress(host: "db2", port: 27017)])
        #expect(configuration.username == "app")
        #expect(configuration.password == "pw")
        #expect(configuration.database == "telemetry")
        #expect(configuration.authenticationDatabase == "users")
        #expect(configuration.replicaSet == "rs0")
        #expect(configuration.appName == "ingest")
        #expect(configuration.poolSize == 8)
        #expect(configuration.connectTimeout == .milliseconds(2500))
        #expect(configuration.requestTimeout == .seconds(10))
        #expect(configuration.tls != nil)
        #expect(!configuration.directConnection)
        #expect(!configuration.description.contains("pw)"))

        let plain = try MongoConfiguration(uri: "mongodb://127.0.0.1:57017/?directConnection=true")
        #expect(plain.tls == nil)
        #expect(plain.directConnection)
        #expect(plain.credentials == nil)
        #expect(plain.poolSize == 4)
    }

    @Test("an application name longer than 128 bytes is cut to fit")
    func applicationName() {
        let metadata = MongoClientMetadata.document(appName: String(repeating: "é", count: 100))
        let name = metadata["application"]?.documentValue?["name"]?.stringValue ?? ""
        #expect(name.utf8.count <= 128)
        #expect(name.count == 64)
        #expect(MongoClientMetadata.document(appName: nil)["application"] == nil)
    }
}
