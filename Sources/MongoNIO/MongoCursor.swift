import Synchronization

/// The documents of a `find` or `aggregate`: the first batch came with the command, the next ones are fetched with
/// `getMore` on the same connection, one batch at a time as iteration reaches it.
///
/// A cursor is single-pass: a second iteration goes on where the first stopped. Abandoning it before the end leaves
/// a cursor open on the server until it times out there; `close()` kills it at once, and a cursor that is released
/// while still open sends `killCursors` without waiting for the answer.
public final class MongoCursor: AsyncSequence, Sendable {
    /// A document of the result.
    public typealias Element = BSONDocument

    private struct State {
        var batch: [BSONDocument]
        var position = 0
        /// The server's cursor id; 0 once the server has sent the last batch or the cursor was killed.
        var id: Int64
    }

    private let client: MongoClient
    private let connection: MongoConnection
    /// The database and collection `getMore` and `killCursors` name, from the cursor's namespace.
    private let database: String
    private let collection: String
    private let batchSize: Int?
    private let state: Mutex<State>

    init(client: MongoClient, connection: MongoConnection, database: String, collection: String, batchSize: Int?, reply: BSONDocument) throws {
        guard let cursor = reply["cursor"]?.documentValue, let batch = cursor["firstBatch"]?.arrayValue,
            let id = cursor["id"].flatMap({ BSONValue.integer($0) })
        else {
            throw MongoError.protocolViolation("the answer has no cursor with an id and a firstBatch")
        }
        self.client = client
        self.connection = connection
        (self.database, self.collection) = Self.namespace(cursor["ns"]?.stringValue, database: database, collection: collection)
        self.batchSize = batchSize
        self.state = Mutex(State(batch: try Self.documents(batch), id: Int64(id)))
    }

    deinit {
        let id = self.state.withLock { $0.id }
        if id != 0 {
            // Best effort: nobody is left to wait for the answer, and a closed connection kills its cursors anyway.
            var body = self.killCursorsCommand(id)
            body["$db"] = .string(self.database)
            self.connection.commandWithoutWaiting(body, timeout: self.client.configuration.requestTimeout)
        }
    }

    /// The server's cursor id: 0 when the server has sent every batch or the cursor was closed.
    public var id: Int64 {
        self.state.withLock { $0.id }
    }

    /// Kills the cursor on the server, unless the server has already sent every batch; the documents already
    /// received can still be iterated.
    public func close() async throws {
        let id = self.state.withLock { state -> Int64 in
            defer { state.id = 0 }
            return state.id
        }
        guard id != 0 else {
            return
        }
        _ = try await self.client.command(
            self.killCursorsCommand(id),
            database: self.database,
            on: self.connection,
            deadline: .now + self.client.configuration.requestTimeout
        )
    }

    /// Reads every remaining document into an array.
    public func collect() async throws -> [BSONDocument] {
        var documents: [BSONDocument] = []
        for try await document in self {
            documents.append(document)
        }
        return documents
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(cursor: self)
    }

    /// Iterates over the documents, fetching batches as needed.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let cursor: MongoCursor

        /// The next document; `nil` once the server has sent every batch.
        public mutating func next() async throws -> BSONDocument? {
            try await self.cursor.next()
        }
    }

    private enum Step {
        case document(BSONDocument)
        case end
        case fetch(Int64)
    }

    func next() async throws -> BSONDocument? {
        while true {
            let step = self.state.withLock { state -> Step in
                if state.position < state.batch.count {
                    defer { state.position += 1 }
                    return .document(state.batch[state.position])
                }
                return state.id == 0 ? .end : .fetch(state.id)
            }
            switch step {
            case .document(let document):
                return document
            case .end:
                return nil
            case .fetch(let id):
                try await self.fetch(id)
            }
        }
    }

    private func fetch(_ id: Int64) async throws {
        var command: BSONDocument = ["getMore": .int64(id), "collection": .string(self.collection)]
        // A first batch may be asked to be empty (0); getMore wants a positive size or none.
        if let batchSize = self.batchSize, batchSize > 0 {
            command["batchSize"] = .int64(Int64(batchSize))
        }
        let reply = try await self.client.command(
            command,
            database: self.database,
            on: self.connection,
            deadline: .now + self.client.configuration.requestTimeout
        )
        guard let cursor = reply["cursor"]?.documentValue, let batch = cursor["nextBatch"]?.arrayValue,
            let nextID = cursor["id"].flatMap({ BSONValue.integer($0) })
        else {
            throw MongoError.protocolViolation("getMore was answered without a cursor id and a nextBatch")
        }
        let documents = try Self.documents(batch)
        self.state.withLock { state in
            // A close() while getMore was under way wins: the cursor stays closed.
            if state.id != 0 {
                state.id = Int64(nextID)
            }
            state.batch = documents
            state.position = 0
        }
    }

    private func killCursorsCommand(_ id: Int64) -> BSONDocument {
        ["killCursors": .string(self.collection), "cursors": .array([.int64(id)])]
    }

    private static func documents(_ batch: [BSONValue]) throws -> [BSONDocument] {
        try batch.map { value in
            guard case .document(let document) = value else {
                throw MongoError.protocolViolation("a cursor batch holds something other than documents")
            }
            return document
        }
    }

    /// Splits `database.collection`; a collection name may itself contain dots, a database name cannot.
    private static func namespace(_ ns: String?, database: String, collection: String) -> (String, String) {
        guard let ns, let dot = ns.firstIndex(of: ".") else {
            return (database, collection)
        }
        return (String(ns[..<dot]), String(ns[ns.index(after: dot)...]))
    }
}
