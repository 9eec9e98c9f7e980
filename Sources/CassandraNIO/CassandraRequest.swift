import NIOCore

/// A request message the client sends (spec section 4.1).
enum CassandraRequest: Sendable, Equatable {
    case startup
    case options
    /// The SASL token; a `PlainCredentials` token for `PasswordAuthenticator`.
    case authResponse([UInt8])
    case query(String, CassandraQueryParameters)
    case prepare(String)
    case execute(id: [UInt8], CassandraQueryParameters)
    case batch(CassandraBatchRequest)

    /// The most values one request can bind, and statements one batch can hold: counts are `[short]`s.
    static let maximumCount = Int(UInt16.max)

    /// Checks the counts that the wire format limits, so that encoding cannot fail later on the event loop.
    func validate() throws {
        switch self {
        case .query(_, let parameters), .execute(_, let parameters):
            guard parameters.values.count <= Self.maximumCount else {
                throw CassandraError.invalidArgument("\(parameters.values.count) values; a request binds at most \(Self.maximumCount)")
            }
        case .batch(let batch):
            guard batch.entries.count <= Self.maximumCount else {
                throw CassandraError.invalidArgument("\(batch.entries.count) statements; a batch holds at most \(Self.maximumCount)")
            }
            for entry in batch.entries where entry.values.count > Self.maximumCount {
                throw CassandraError.invalidArgument("\(entry.values.count) values; a statement binds at most \(Self.maximumCount)")
            }
        case .startup, .options, .authResponse, .prepare:
            break
        }
    }

    /// The request's frame as the connection writes it: validated, on stream 0, which the channel handler overwrites
    /// with the stream id it allocates on the event loop.
    func frame(allocator: ByteBufferAllocator) throws -> ByteBuffer {
        try self.validate()
        var encoder = CassandraRequestEncoder(buffer: allocator.buffer(capacity: 256))
        try encoder.encode(self, stream: 0)
        return encoder.flush()
    }

    /// What a log line may say about the request: never the SASL token, which holds the password.
    var summary: String {
        switch self {
        case .startup: return "STARTUP"
        case .options: return "OPTIONS"
        case .authResponse: return "AUTH_RESPONSE"
        case .query(let cql, _): return "QUERY \(cql.prefix(80))"
        case .prepare(let cql): return "PREPARE \(cql.prefix(80))"
        case .execute: return "EXECUTE"
        case .batch(let batch): return "BATCH of \(batch.entries.count)"
        }
    }
}
