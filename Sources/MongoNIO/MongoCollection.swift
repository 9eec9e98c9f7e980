import NIOCore

/// A collection of a database, and the commands that read and write it. A value: cheap to make, holds no connection.
public struct MongoCollection: Sendable {
    /// The database's name.
    public let database: String
    /// The collection's name.
    public let name: String
    let client: MongoClient

    init(client: MongoClient, database: String, name: String) {
        self.client = client
        self.database = database
        self.name = name
    }

    /// Space kept free in every `insert` message for its command document and framing: the specification's 16 KiB.
    static let messageHeadroom = 16 * 1024

    // MARK: - Reads

    /// The documents matching `filter`, in `sort` order, after skipping `skip` and at most `limit` of them, with only
    /// the fields of `projection`; the server sends them `batchSize` at a time.
    public func find(
        _ filter: BSONDocument = [:],
        sort: BSONDocument? = nil,
        skip: Int? = nil,
        limit: Int? = nil,
        projection: BSONDocument? = nil,
        batchSize: Int? = nil
    ) async throws -> MongoCursor {
        var command: BSONDocument = ["find": .string(self.name), "filter": .document(filter)]
        if let sort {
            command["sort"] = .document(sort)
        }
        if let projection {
            command["projection"] = .document(projection)
        }
        if let skip {
            try Self.requireNonNegative(skip, "skip")
            command["skip"] = .int64(Int64(skip))
        }
        if let limit {
            try Self.requireNonNegative(limit, "limit")
            command["limit"] = .int64(Int64(limit))
        }
        if let batchSize {
            try Self.requireNonNegative(batchSize, "batchSize")
            command["batchSize"] = .int64(Int64(batchSize))
        }
        return try await self.cursor(command, batchSize: batchSize)
    }

    /// The documents an aggregation pipeline produces; the server sends them `batchSize` at a time.
    public func aggregate(_ pipeline: [BSONDocument], batchSize: Int? = nil) async throws -> MongoCursor {
        var cursorOptions: BSONDocument = [:]
        if let batchSize {
            try Self.requireNonNegative(batchSize, "batchSize")
            cursorOptions["batchSize"] = .int64(Int64(batchSize))
        }
        let command: BSONDocument = [
            "aggregate": .string(self.name),
            "pipeline": .array(pipeline.map(BSONValue.document)),
            "cursor": .document(cursorOptions),
        ]
        return try await self.cursor(command, batchSize: batchSize)
    }

    /// How many documents match `filter`, counted by the server with `$match` and `$count`.
    public func count(_ filter: BSONDocument = [:]) async throws -> Int {
        let cursor = try await self.aggregate([["$match": .document(filter)], ["$count": .string("n")]])
        guard let result = try await cursor.next() else {
            // `$count` yields no document at all when nothing matched.
            return 0
        }
        guard let count = result["n"].flatMap({ BSONValue.integer($0) }) else {
            throw MongoError.protocolViolation("$count answered without a count")
        }
        return count
    }

    private func cursor(_ command: BSONDocument, batchSize: Int?) async throws -> MongoCursor {
        let deadline = ContinuousClock.now + self.client.configuration.requestTimeout
        let connection = try await self.client.connection(deadline: deadline)
        let reply = try await self.client.command(command, database: self.database, on: connection, deadline: deadline)
        return try MongoCursor(
            client: self.client,
            connection: connection,
            database: self.database,
            collection: self.name,
            batchSize: batchSize,
            reply: reply
        )
    }

    // MARK: - Writes

    /// Inserts the documents and returns how many were inserted.
    ///
    /// A document without `_id` gets a new ObjectId first, as the CRUD specification asks of drivers. The documents go
    /// as a `documents` sequence, in as many `insert` commands as the server's `maxWriteBatchSize` and
    /// `maxMessageSizeBytes` require. Unordered, every document is tried; ordered, the first refused one stops the
    /// rest. Refused documents throw `.writeErrors` once the batches are done, with each document's position in
    /// `documents` and `insertedCount`.
    @discardableResult
    public func insert(_ documents: [BSONDocument], ordered: Bool = false) async throws -> Int {
        guard !documents.isEmpty else {
            return 0
        }
        var prepared: [(document: BSONDocument, size: Int)] = []
        prepared.reserveCapacity(documents.count)
        for document in documents {
            var withID = document
            if document["_id"] == nil {
                let fields: [(String, BSONValue)] = [("_id", .objectID(BSONObjectID()))] + document.map { ($0.key, $0.value) }
                withID = BSONDocument(fields)
            }
            prepared.append((withID, try withID.encoded().readableBytes))
        }
        let deadline = ContinuousClock.now + self.client.configuration.requestTimeout
        var connection = try await self.client.connection(deadline: deadline)
        let limits = connection.serverDescription
        if let tooLarge = prepared.firstIndex(where: { $0.size > limits.maxBsonObjectSize }) {
            throw MongoError.messageTooLarge(
                "document #\(tooLarge) has \(prepared[tooLarge].size) bytes, more than the server's maxBsonObjectSize of \(limits.maxBsonObjectSize); nothing was inserted"
            )
        }
        let batches = Self.batches(
            sizes: prepared.map { $0.size },
            maxCount: max(1, min(limits.maxWriteBatchSize, self.client.configuration.insertBatchSize ?? .max)),
            maxBytes: limits.maxMessageSizeBytes - Self.messageHeadroom
        )
        var inserted = 0
        var writeErrors: [MongoError.WriteError] = []
        for (number, batch) in batches.enumerated() {
            let batchDeadline = number == 0 ? deadline : ContinuousClock.now + self.client.configuration.requestTimeout
            if number > 0 {
                connection = try await self.client.connection(deadline: batchDeadline)
            }
            let command: BSONDocument = ["insert": .string(self.name), "ordered": .bool(ordered)]
            let sequence = MongoDocumentSequence(identifier: "documents", documents: prepared[batch].map { $0.document })
            let reply: BSONDocument
            do {
                reply = try await self.client.command(
                    command, database: self.database, sequences: [sequence], on: connection, deadline: batchDeadline)
            } catch var error as MongoError where inserted > 0 || !writeErrors.isEmpty {
                // Earlier batches were written: say how many, so the caller knows the insert was not all or nothing.
                error.insertedCount = inserted
                error.writeErrors = writeErrors + error.writeErrors
                throw error
            }
            inserted += reply["n"].flatMap { BSONValue.integer($0) } ?? 0
            let batchErrors = try Self.writeErrors(reply, offset: batch.lowerBound)
            writeErrors += batchErrors
            if ordered && !batchErrors.isEmpty {
                break
            }
        }
        guard writeErrors.isEmpty else {
            throw MongoError(
                code: .writeErrors,
                message: "\(writeErrors.count) of \(documents.count) documents were not inserted",
                writeErrors: writeErrors,
                insertedCount: inserted
            )
        }
        return inserted
    }

    /// Updates the first document matching `filter` with the update operators of `update`; with `upsert`, inserts one
    /// when none matches.
    @discardableResult
    public func updateOne(filter: BSONDocument, update: BSONDocument, upsert: Bool = false) async throws -> MongoUpdateResult {
        try await self.update(filter: filter, update: update, upsert: upsert, multi: false)
    }

    /// Updates every document matching `filter` with the update operators of `update`; with `upsert`, inserts one when
    /// none matches.
    @discardableResult
    public func updateMany(filter: BSONDocument, update: BSONDocument, upsert: Bool = false) async throws -> MongoUpdateResult {
        try await self.update(filter: filter, update: update, upsert: upsert, multi: true)
    }

    private func update(filter: BSONDocument, update: BSONDocument, upsert: Bool, multi: Bool) async throws -> MongoUpdateResult {
        let statement: BSONDocument = [
            "q": .document(filter),
            "u": .document(update),
            "upsert": .bool(upsert),
            "multi": .bool(multi),
        ]
        let reply = try await self.write(["update": .string(self.name), "updates": .array([.document(statement)])])
        let upserted = reply["upserted"]?.arrayValue?.first?.documentValue?["_id"]
        let n = reply["n"].flatMap { BSONValue.integer($0) } ?? 0
        return MongoUpdateResult(
            matchedCount: upserted == nil ? n : max(0, n - 1),
            modifiedCount: reply["nModified"].flatMap { BSONValue.integer($0) } ?? 0,
            upsertedID: upserted
        )
    }

    /// Updates the first document matching `filter` (in `sort` order) and returns it as it was, or with `returnNew`
    /// as it is now; `nil` when none matched and nothing was upserted.
    public func findOneAndUpdate(
        filter: BSONDocument,
        update: BSONDocument,
        sort: BSONDocument? = nil,
        returnNew: Bool = false,
        upsert: Bool = false
    ) async throws -> BSONDocument? {
        var command: BSONDocument = [
            "findAndModify": .string(self.name),
            "query": .document(filter),
            "update": .document(update),
            "new": .bool(returnNew),
            "upsert": .bool(upsert),
        ]
        if let sort {
            command["sort"] = .document(sort)
        }
        let reply = try await self.client.runCommand(command, database: self.database)
        switch reply["value"] {
        case .document(let document):
            return document
        case .null, nil:
            return nil
        default:
            throw MongoError.protocolViolation("findAndModify answered with a value that is not a document")
        }
    }

    /// Deletes the first document matching `filter`; returns how many were deleted (0 or 1).
    @discardableResult
    public func deleteOne(_ filter: BSONDocument) async throws -> Int {
        try await self.delete(filter, limit: 1)
    }

    /// Deletes every document matching `filter`; returns how many were deleted.
    @discardableResult
    public func deleteMany(_ filter: BSONDocument) async throws -> Int {
        try await self.delete(filter, limit: 0)
    }

    private func delete(_ filter: BSONDocument, limit: Int32) async throws -> Int {
        let statement: BSONDocument = ["q": .document(filter), "limit": .int32(limit)]
        let reply = try await self.write(["delete": .string(self.name), "deletes": .array([.document(statement)])])
        return reply["n"].flatMap { BSONValue.integer($0) } ?? 0
    }

    /// Runs a write command and turns per-statement write errors into `.writeErrors`.
    private func write(_ command: BSONDocument) async throws -> BSONDocument {
        let reply = try await self.client.runCommand(command, database: self.database)
        let writeErrors = try Self.writeErrors(reply, offset: 0)
        guard writeErrors.isEmpty else {
            throw MongoError(code: .writeErrors, message: writeErrors[0].message, serverCode: writeErrors[0].code, writeErrors: writeErrors)
        }
        return reply
    }

    // MARK: - Collection management

    /// Creates the indexes; an index that already exists with the same definition is not an error.
    public func createIndexes(_ indexes: [MongoIndex]) async throws {
        guard !indexes.isEmpty else {
            return
        }
        let command: BSONDocument = [
            "createIndexes": .string(self.name),
            "indexes": .array(indexes.map { .document($0.document) }),
        ]
        _ = try await self.client.runCommand(command, database: self.database)
    }

    /// Drops the collection with its indexes; a collection that does not exist is not an error.
    public func drop() async throws {
        do {
            _ = try await self.client.runCommand(["drop": .string(self.name)], database: self.database)
        } catch let error as MongoError where error.code == .server && (error.serverCode == 26 || error.message == "ns not found") {
            // NamespaceNotFound: already gone.
        }
    }

    // MARK: - Helpers

    /// Splits documents of the given encoded sizes into consecutive batches of at most `maxCount` documents and
    /// `maxBytes` bytes; a document larger than `maxBytes` goes alone.
    static func batches(sizes: [Int], maxCount: Int, maxBytes: Int) -> [Range<Int>] {
        var batches: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for (index, size) in sizes.enumerated() {
            let count = index - start
            if count > 0 && (count >= maxCount || bytes + size > maxBytes) {
                batches.append(start..<index)
                start = index
                bytes = 0
            }
            bytes += size
        }
        if start < sizes.count {
            batches.append(start..<sizes.count)
        }
        return batches
    }

    /// The `writeErrors` of a write command's answer, their indexes shifted by the batch's offset.
    static func writeErrors(_ reply: BSONDocument, offset: Int) throws -> [MongoError.WriteError] {
        guard let entries = reply["writeErrors"]?.arrayValue else {
            return []
        }
        return try entries.map { entry in
            guard let document = entry.documentValue, let index = document["index"].flatMap({ BSONValue.integer($0) }) else {
                throw MongoError.protocolViolation("a write error without an index")
            }
            return MongoError.WriteError(
                index: offset + index,
                code: document["code"].flatMap { BSONValue.integer($0) } ?? 0,
                message: document["errmsg"]?.stringValue ?? ""
            )
        }
    }

    private static func requireNonNegative(_ value: Int, _ name: String) throws {
        guard value >= 0 else {
            throw MongoError.invalidArgument("\(name) must not be negative, got \(value)")
        }
    }
}
