@_spi(Benchmarks) import CassandraNIO
import NIOCore

/// The frames `iotflow bench cql` times: the telemetry store's point insert, alone and as a 100-statement batch, and
/// the answers to it and to the history read, shaped as the store sends and reads them.
enum CQLBenchFrames {
    /// `TelemetryCQL.insertPoint` for the keyspace `ks`.
    static let insertPoint = "INSERT INTO ks.points (device_id, bucket, key, ts, num, str, flag) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?"
    /// Statements per batch, as `TelemetryCassandraStore.statementsPerBatch`.
    static let batchSize = 100
    /// Rows of the decoded RESULT Rows frame.
    static let rowCount = 1000
    /// A Cassandra prepared id is the MD5 of the statement: 16 bytes.
    static let preparedID: [UInt8] = Array(0..<16)

    /// The prepared insert as PREPARE describes it: eight markers, no result columns.
    static let preparedInsert = CassandraPreparedStatement(
        id: preparedID,
        bindColumns: [
            column("device_id", .bigint), column("bucket", .bigint), column("key", .varchar), column("ts", .timestamp),
            column("num", .double), column("str", .varchar), column("flag", .boolean), column("[ttl]", .int),
        ],
        partitionKeyIndexes: [0, 1],
        resultColumns: []
    )

    /// The history read's result columns: `SELECT ts, num, str, flag`.
    static let historyColumns = [column("ts", .timestamp), column("num", .double), column("str", .varchar), column("flag", .boolean)]

    /// The options the store passes (its consistency), plus the default timestamp the single EXECUTE carries.
    static let executeOptions = CassandraQueryOptions(consistency: .localQuorum, timestamp: 1_767_225_600_000_000)
    /// The options the store passes to `batch`: its consistency only.
    static let batchOptions = CassandraQueryOptions(consistency: .localQuorum)

    /// The eight values the store binds for a new numeric point: the unused `str` and `flag` stay unset, TTL 30 days.
    static func insertValues(timestamp: Int64) -> [CassandraValue] {
        [.bigint(42), .bigint(1_767_225_600_000), .text("temperature"), .timestamp(timestamp), .double(21.5), .unset, .unset, .int(30 * 86_400)]
    }

    static func executeFrame() throws -> ByteBuffer {
        try CassandraFrameCodec.executeFrame(
            self.preparedInsert, self.insertValues(timestamp: 1_767_225_600_000), options: self.executeOptions, defaultConsistency: .localQuorum
        ).frame
    }

    static let batchStatements = (0..<batchSize).map { index in
        CassandraStatement(insertPoint, insertValues(timestamp: 1_767_225_600_000 + Int64(index) * 1000))
    }

    static func batchFrame() throws -> ByteBuffer {
        try CassandraFrameCodec.batchFrame(
            self.batchStatements, prepared: [self.insertPoint: self.preparedInsert], kind: .unlogged, options: self.batchOptions,
            defaultConsistency: .localQuorum)
    }

    /// RESULT Void (spec 4.2.5.1): the answer to an insert or a batch.
    static func voidFrame() -> ByteBuffer {
        self.responseFrame { $0.writeInteger(Int32(1)) }
    }

    /// RESULT Rows (spec 4.2.5.2) answering the history read's EXECUTE, which skips metadata since the prepared
    /// statement has result columns: flags No_metadata, 4 columns, `rowCount` rows of a timestamp and a double with
    /// `str` and `flag` null, as a numeric key's points are stored.
    static func historyRowsFrame() -> ByteBuffer {
        self.responseFrame { body in
            body.writeMultipleIntegers(Int32(2), Int32(0x0004), Int32(self.historyColumns.count), Int32(self.rowCount))
            for row in 0..<self.rowCount {
                body.writeMultipleIntegers(Int32(8), Int64(1_767_225_600_000 + row * 1000), Int32(8), (20 + Double(row % 100) / 10).bitPattern)
                body.writeMultipleIntegers(Int32(-1), Int32(-1))
            }
        }
    }

    /// A v4 response frame on stream 1: version 0x84, no flags, opcode RESULT.
    private static func responseFrame(_ writeBody: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var body = ByteBuffer()
        writeBody(&body)
        var frame = ByteBuffer()
        frame.writeMultipleIntegers(UInt8(0x84), UInt8(0), Int16(1), UInt8(0x08), Int32(body.readableBytes))
        frame.writeImmutableBuffer(body)
        return frame
    }

    private static func column(_ name: String, _ type: CassandraDataType) -> CassandraColumn {
        CassandraColumn(keyspace: "ks", table: "points", name: name, type: type)
    }
}
