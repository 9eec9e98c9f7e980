import NIOCore

/// The client's request encoding and response decoding without a connection, so that `iotflow bench cql` can time
/// the codec in process on exactly the frames the client writes and reads; the client does not use this type.
@_spi(Benchmarks)
public enum CassandraFrameCodec {
    /// How many requests one protocol v4 connection can have in flight: its stream ids 0 to 32767.
    public static let streamIDsPerConnection = CassandraConnectionStateMachine.streamCount

    /// The EXECUTE frame `CassandraClient.execute` writes once `prepared` is cached on the node (stream id 0, which the
    /// connection overwrites), and the result columns it reads the answer's rows by.
    public static func executeFrame(
        _ prepared: CassandraPreparedStatement,
        _ values: [CassandraValue],
        options: CassandraQueryOptions,
        defaultConsistency: CassandraConsistency,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws -> (frame: ByteBuffer, resultColumns: [CassandraColumn]?) {
        let (request, resultColumns) = CassandraClient.executeRequest(prepared, values, options: options, defaultConsistency: defaultConsistency)
        return (try request.frame(allocator: allocator), resultColumns)
    }

    /// The BATCH frame `CassandraClient.batch` writes once every statement's CQL is prepared as `prepared` says.
    public static func batchFrame(
        _ statements: [CassandraStatement],
        prepared: [String: CassandraPreparedStatement],
        kind: CassandraBatchKind,
        options: CassandraQueryOptions,
        defaultConsistency: CassandraConsistency,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws -> ByteBuffer {
        let request = CassandraClient.batchRequest(
            statements, prepared: prepared, kind: kind, options: options, defaultConsistency: defaultConsistency)
        return try request.frame(allocator: allocator)
    }

    /// Splits one response frame off the front of `buffer` with the client's frame decoder and decodes it into the
    /// RESULT of an EXECUTE, as the connection does; `nil` when the frame is not complete yet. An ERROR answer throws.
    public static func decodeExecuteResult(
        _ buffer: inout ByteBuffer,
        resultColumns: [CassandraColumn]?,
        maxFrameBytes: Int = CassandraConfiguration.protocolMaxFrameBytes
    ) throws -> CassandraResult? {
        var decoder = CassandraFrameDecoder(maxFrameBytes: maxFrameBytes)
        guard let frame = try decoder.decode(buffer: &buffer) else {
            return nil
        }
        let request = CassandraRequest.execute(id: [], CassandraQueryParameters(consistency: .one))
        return try CassandraConnection.result(of: frame, answering: request, resultColumns: resultColumns)
    }
}
