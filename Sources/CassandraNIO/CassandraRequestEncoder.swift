import NIOCore

/// Writes request frames into one buffer: one method per message, `flush()` hands the bytes over.
///
/// Compression is never negotiated, so frames are written uncompressed with flags 0.
struct CassandraRequestEncoder {
    private(set) var buffer: ByteBuffer

    init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    /// Returns the frames written so far and starts over.
    mutating func flush() -> ByteBuffer {
        let bytes = self.buffer
        self.buffer.clear()
        return bytes
    }

    /// Writes any request.
    mutating func encode(_ request: CassandraRequest, stream: Int16) throws {
        switch request {
        case .startup: self.startup(stream: stream)
        case .options: self.options(stream: stream)
        case .authResponse(let token): self.authResponse(stream: stream, token: token)
        case .query(let cql, let parameters): try self.query(stream: stream, cql: cql, parameters: parameters)
        case .prepare(let cql): self.prepare(stream: stream, cql: cql)
        case .execute(let id, let parameters): try self.execute(stream: stream, id: id, parameters: parameters)
        case .batch(let batch): try self.batch(stream: stream, batch)
        }
    }

    /// STARTUP with CQL 3.0.0 and no compression.
    mutating func startup(stream: Int16) {
        self.frame(.startup, stream: stream) { body in
            body.writeCQLStringMap(["CQL_VERSION": "3.0.0"])
        }
    }

    /// OPTIONS, whose body is empty.
    mutating func options(stream: Int16) {
        self.frame(.options, stream: stream) { _ in }
    }

    /// AUTH_RESPONSE carrying a SASL token.
    mutating func authResponse(stream: Int16, token: [UInt8]) {
        self.frame(.authResponse, stream: stream) { body in
            body.writeCQLBytes(token)
        }
    }

    /// QUERY: the CQL as a `[long string]`, then the query parameters.
    mutating func query(stream: Int16, cql: String, parameters: CassandraQueryParameters) throws {
        try self.frame(.query, stream: stream) { body in
            body.writeCQLLongString(cql)
            try Self.writeParameters(parameters, to: &body)
        }
    }

    /// PREPARE: the CQL as a `[long string]`.
    mutating func prepare(stream: Int16, cql: String) {
        self.frame(.prepare, stream: stream) { body in
            body.writeCQLLongString(cql)
        }
    }

    /// EXECUTE: the prepared id as `[short bytes]`, then the query parameters.
    mutating func execute(stream: Int16, id: [UInt8], parameters: CassandraQueryParameters) throws {
        try self.frame(.execute, stream: stream) { body in
            body.writeCQLShortBytes(id)
            try Self.writeParameters(parameters, to: &body)
        }
    }

    /// BATCH of prepared statements (kind 1 for each), then consistency, flags, serial consistency and timestamp.
    mutating func batch(stream: Int16, _ batch: CassandraBatchRequest) throws {
        try self.frame(.batch, stream: stream) { body in
            body.writeInteger(batch.kind.rawValue)
            body.writeCQLShort(batch.entries.count)
            for entry in batch.entries {
                body.writeInteger(UInt8(1))
                body.writeCQLShortBytes(entry.id)
                try Self.writeValues(entry.values, types: entry.valueTypes, to: &body)
            }
            body.writeCQLConsistency(batch.consistency)
            var flags = CassandraQueryParameters.Flags()
            if batch.serialConsistency != nil {
                flags.insert(.withSerialConsistency)
            }
            if batch.timestamp != nil {
                flags.insert(.withDefaultTimestamp)
            }
            body.writeInteger(flags.rawValue)
            if let serialConsistency = batch.serialConsistency {
                body.writeCQLConsistency(serialConsistency)
            }
            if let timestamp = batch.timestamp {
                body.writeInteger(timestamp)
            }
        }
    }

    private static func writeParameters(_ parameters: CassandraQueryParameters, to body: inout ByteBuffer) throws {
        body.writeCQLConsistency(parameters.consistency)
        let flags = parameters.flags
        body.writeInteger(flags.rawValue)
        if flags.contains(.values) {
            try Self.writeValues(parameters.values, types: parameters.valueTypes, to: &body)
        }
        if let pageSize = parameters.pageSize {
            body.writeInteger(pageSize)
        }
        if let pagingState = parameters.pagingState {
            body.writeCQLBytes(pagingState)
        }
        if let serialConsistency = parameters.serialConsistency {
            body.writeCQLConsistency(serialConsistency)
        }
        if let timestamp = parameters.timestamp {
            body.writeInteger(timestamp)
        }
    }

    private static func writeValues(_ values: [CassandraValue], types: [CassandraDataType]?, to body: inout ByteBuffer) throws {
        body.writeCQLShort(values.count)
        for (index, value) in values.enumerated() {
            let type = types.flatMap { index < $0.count ? $0[index] : nil }
            try value.writeBound(to: &body, as: type)
        }
    }

    /// Writes the header, the body, then the body's length into the header; a body that fails leaves nothing behind.
    private mutating func frame(
        _ opcode: CassandraOpcode,
        stream: Int16,
        body writeBody: (inout ByteBuffer) throws -> Void
    ) rethrows {
        let start = self.buffer.writerIndex
        self.buffer.writeMultipleIntegers(CassandraFrame.requestVersion, UInt8(0), stream, opcode.rawValue, Int32(0))
        do {
            try writeBody(&self.buffer)
        } catch {
            self.buffer.moveWriterIndex(to: start)
            throw error
        }
        let length = self.buffer.writerIndex - start - CassandraFrame.headerLength
        self.buffer.setInteger(Int32(length), at: start + 5)
    }
}
