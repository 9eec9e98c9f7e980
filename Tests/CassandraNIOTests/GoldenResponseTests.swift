import Foundation
import NIOCore
import Testing

@testable import CassandraNIO

/// Response frames made by the oracle (golden_responses.json, and extra_responses.py run now) decode to the values
/// the oracle put in.
@Suite("Golden responses")
struct GoldenResponseTests {
    static let uuid = UUID(uuidString: "0B3AC6A0-0000-11EF-8000-000000000001")!
    static let preparedID: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]

    static func goldenFrames() throws -> [String: [UInt8]] {
        let data = try Data(contentsOf: OracleProcess.directory.appendingPathComponent("golden_responses.json"))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return try Self.frames(entries)
    }

    static func extraFrames() async throws -> [String: [UInt8]] {
        try await OracleProcess.requireDriver()
        let result = try await OracleProcess.run("extra_responses.py", [], input: "")
        try #require(result.status == 0, "extra_responses.py failed: \(result.errors)")
        let entries = try result.output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        return try Self.frames(entries)
    }

    private static func frames(_ entries: [[String: Any]]) throws -> [String: [UInt8]] {
        var frames: [String: [UInt8]] = [:]
        for entry in entries {
            let name = try #require(entry["name"] as? String)
            frames[name] = try #require((entry["hex"] as? String)?.hexBytes, "\(name) is not hex")
        }
        return frames
    }

    /// Splits one frame with the client's decoder and decodes its body; the whole frame must be consumed.
    static func decode(_ bytes: [UInt8], resultColumns: [CassandraColumn]? = nil) throws -> (CassandraFrame, CassandraResponse) {
        var buffer = ByteBuffer(bytes: bytes)
        var decoder = CassandraFrameDecoder(maxFrameBytes: CassandraConfiguration.protocolMaxFrameBytes)
        let frame = try #require(try decoder.decode(buffer: &buffer))
        #expect(buffer.readableBytes == 0)
        return (frame, try CassandraResponse(decoding: frame, resultColumns: resultColumns))
    }

    static func result(_ bytes: [UInt8]?, resultColumns: [CassandraColumn]? = nil) throws -> CassandraResult {
        let (_, response) = try Self.decode(try #require(bytes), resultColumns: resultColumns)
        guard case .result(let result) = response else {
            Issue.record("not a result: \(response)")
            throw CassandraError.protocolViolation("not a result")
        }
        return result
    }

    static func error(_ bytes: [UInt8]?) throws -> CassandraError {
        let (_, response) = try Self.decode(try #require(bytes))
        guard case .error(let error) = response else {
            Issue.record("not an error: \(response)")
            throw CassandraError.protocolViolation("not an error")
        }
        return error
    }

    static func column(_ name: String, _ type: CassandraDataType, keyspace: String = "thingsboard", table: String = "ts_kv_cf") -> CassandraColumn {
        CassandraColumn(keyspace: keyspace, table: table, name: name, type: type)
    }

    @Test func handshakeMessages() throws {
        let frames = try Self.goldenFrames()
        let (readyFrame, ready) = try Self.decode(try #require(frames["ready"]))
        #expect(readyFrame.stream == 0)
        guard case .ready = ready else {
            Issue.record("ready: \(ready)")
            return
        }
        let (_, supported) = try Self.decode(try #require(frames["supported"]))
        guard case .supported(let options) = supported else {
            Issue.record("supported: \(supported)")
            return
        }
        #expect(options["CQL_VERSION"] == ["3.4.5"])
        #expect(options["COMPRESSION"] == ["lz4", "snappy"])
        #expect(options["PROTOCOL_VERSIONS"] == ["3/v3", "4/v4", "5/v5-beta"])
        let (_, authenticate) = try Self.decode(try #require(frames["authenticate"]))
        guard case .authenticate(let authenticator) = authenticate else {
            Issue.record("authenticate: \(authenticate)")
            return
        }
        #expect(authenticator == "org.apache.cassandra.auth.PasswordAuthenticator")
        let (_, success) = try Self.decode(try #require(frames["auth_success"]))
        guard case .authSuccess(let token) = success else {
            Issue.record("auth_success: \(success)")
            return
        }
        #expect(token == [])
    }

    @Test func voidSetKeyspaceAndSchemaChanges() throws {
        let frames = try Self.goldenFrames()
        guard case .void = try Self.result(frames["void"]) else {
            Issue.record("void")
            return
        }
        guard case .setKeyspace(let keyspace) = try Self.result(frames["set_keyspace"]) else {
            Issue.record("set_keyspace")
            return
        }
        #expect(keyspace == "thingsboard")
        guard case .schemaChange(let table) = try Self.result(frames["schema_table"]),
            case .schemaChange(let keyspaceChange) = try Self.result(frames["schema_ks"])
        else {
            Issue.record("schema changes")
            return
        }
        #expect(table == CassandraSchemaChange(change: "CREATED", target: "TABLE", keyspace: "thingsboard", name: "ts_kv_cf"))
        #expect(keyspaceChange == CassandraSchemaChange(change: "CREATED", target: "KEYSPACE", keyspace: "thingsboard"))
    }

    @Test func pagedRows() throws {
        let rows = try #require(try Self.result(try Self.goldenFrames()["rows_paged"]).rows)
        #expect(rows.pagingState == [0x00, 0x01] + Array("page2".utf8))
        #expect(
            rows.columns == [
                Self.column("entity_type", .varchar), Self.column("entity_id", .uuid), Self.column("key", .varchar),
                Self.column("partition", .bigint), Self.column("ts", .bigint), Self.column("bool_v", .boolean),
                Self.column("str_v", .varchar), Self.column("long_v", .bigint), Self.column("dbl_v", .double),
                Self.column("json_v", .varchar),
            ]
        )
        #expect(rows.rows.count == 2)
        for row in rows.rows {
            #expect(
                row.values == [
                    .text("DEVICE"), .uuid(Self.uuid), .text("temperature"), .bigint(1_714_521_600_000), .bigint(1_714_564_800_000),
                    .null, .null, .null, .double(21.5), .null,
                ]
            )
            #expect(row["key"]?.string == "temperature")
            #expect(row["dbl_v"]?.double == 21.5)
            #expect(row["ts"]?.int64 == 1_714_564_800_000)
            #expect(row["bool_v"]?.isNull == true)
            #expect(row["nope"] == nil)
            #expect(row[0].string == "DEVICE")
        }
    }

    @Test func collectionAndTupleRowsDecodeToRawBytes() throws {
        let rows = try #require(try Self.result(try Self.goldenFrames()["rows_last"]).rows)
        #expect(rows.pagingState == nil)
        #expect(
            rows.columns == [
                Self.column("c", .list(.map(.varchar, .int)), keyspace: "ks", table: "t"),
                Self.column("t", .tuple([.timestamp, .float, .inet]), keyspace: "ks", table: "t"),
            ]
        )
        try #require(rows.rows.count == 1)
        #expect(rows.rows[0][0].bytes?.count == 0x2E)
        let tuple = try #require(rows.rows[0][1].bytes)
        // The tuple's first element: [bytes] of 8, the timestamp 2024-05-01T00:00:00Z in milliseconds.
        #expect(Array(tuple.prefix(12)) == [0, 0, 0, 8, 0x00, 0x00, 0x01, 0x8F, 0x31, 0x73, 0x70, 0x00])
    }

    @Test func emptyRows() throws {
        let rows = try #require(try Self.result(try Self.goldenFrames()["rows_empty"]).rows)
        #expect(rows.columns == [Self.column("peer", .inet, keyspace: "system", table: "peers_v2")])
        #expect(rows.rows.isEmpty)
        #expect(rows.pagingState == nil)
    }

    @Test func preparedStatements() throws {
        let frames = try Self.goldenFrames()
        guard case .prepared(let insert) = try Self.result(frames["prepared"]),
            case .prepared(let select) = try Self.result(frames["prepared_sel"])
        else {
            Issue.record("not prepared results")
            return
        }
        #expect(insert.id == Self.preparedID)
        #expect(
            insert.bindColumns == [
                Self.column("entity_type", .varchar), Self.column("entity_id", .uuid), Self.column("key", .varchar),
                Self.column("partition", .bigint), Self.column("ts", .bigint), Self.column("bool_v", .boolean),
            ]
        )
        #expect(insert.partitionKeyIndexes == [0, 1, 2, 3])
        #expect(insert.resultColumns.isEmpty)
        #expect(select.id == Self.preparedID)
        #expect(select.bindColumns.map(\.name) == ["entity_type", "entity_id", "key", "partition"])
        #expect(select.partitionKeyIndexes == [0, 1, 2, 3])
        #expect(select.resultColumns == [Self.column("ts", .bigint), Self.column("bool_v", .boolean)])
    }

    @Test func goldenErrors() throws {
        let frames = try Self.goldenFrames()
        let unavailable = try Self.error(frames["err_unavailable"])
        #expect(unavailable.code == .unavailable)
        #expect(unavailable.message == "Cannot achieve consistency level QUORUM")
        #expect(unavailable.details == .unavailable(consistency: .quorum, required: 2, alive: 1))
        #expect(unavailable.isUnavailable)
        let writeTimeout = try Self.error(frames["err_write_timeout"])
        #expect(writeTimeout.code == .writeTimeout)
        #expect(writeTimeout.details == .writeTimeout(consistency: .one, received: 0, blockFor: 1, writeType: "SIMPLE"))
        #expect(writeTimeout.isUnavailable)
        let readTimeout = try Self.error(frames["err_read_timeout"])
        #expect(readTimeout.code == .readTimeout)
        #expect(readTimeout.details == .readTimeout(consistency: .one, received: 0, blockFor: 1, dataPresent: false))
        let writeFailure = try Self.error(frames["err_write_failure"])
        #expect(writeFailure.code == .writeFailure)
        #expect(writeFailure.details == .writeFailure(consistency: .one, received: 0, blockFor: 1, failures: 1, writeType: "BATCH"))
        #expect(!writeFailure.isUnavailable)
        let invalid = try Self.error(frames["err_invalid"])
        #expect(invalid == CassandraError(code: .invalid, message: "unconfigured table nope"))
        #expect(!invalid.isUnavailable)
        #expect(try Self.error(frames["err_syntax"]).code == .syntaxError)
        let already = try Self.error(frames["err_already"])
        #expect(already.code == .alreadyExists)
        #expect(already.details == .alreadyExists(keyspace: "ks", table: "t"))
        let unprepared = try Self.error(frames["err_unprepared"])
        #expect(unprepared.code == .unprepared)
        #expect(unprepared.details == .unprepared(id: Self.preparedID))
        let protocolError = try Self.error(frames["err_protocol"])
        #expect(protocolError.code == .protocolError)
        #expect(protocolError.code.serverCode == 0x000A)
        #expect(protocolError.message == "Invalid or unsupported protocol version (5)")
    }

    @Test func everyOtherErrorCode() async throws {
        let frames = try await Self.extraFrames()
        let simple: [(String, CassandraError.Code, String, Bool)] = [
            ("err_server", .serverError, "boom", false),
            ("err_auth", .authenticationError, "Provided username cassandra and/or password are incorrect", false),
            ("err_overloaded", .overloaded, "busy", true),
            ("err_bootstrapping", .isBootstrapping, "starting", true),
            ("err_truncate", .truncateError, "truncate failed", false),
            ("err_unauthorized", .unauthorized, "no", false),
            ("err_config", .configError, "config", false),
        ]
        for (name, code, message, unavailable) in simple {
            let error = try Self.error(frames[name])
            #expect(error == CassandraError(code: code, message: message), "\(name)")
            #expect(error.isUnavailable == unavailable, "\(name)")
        }
        let readFailure = try Self.error(frames["err_read_failure"])
        #expect(readFailure.code == .readFailure)
        #expect(readFailure.details == .readFailure(consistency: .localQuorum, received: 1, blockFor: 2, failures: 1, dataPresent: true))
        let functionFailure = try Self.error(frames["err_function_failure"])
        #expect(functionFailure.code == .functionFailure)
        #expect(functionFailure.details == .functionFailure(keyspace: "ks", function: "f", argumentTypes: ["int", "text"]))
        let unknown = try Self.error(frames["err_unknown_code"])
        #expect(unknown.code.serverCode == 0x7777)
        #expect(unknown.message == "future")
    }

    @Test func moreColumnTypes() async throws {
        let rows = try #require(try Self.result(try await Self.extraFrames()["rows_types"]).rows)
        #expect(
            rows.columns.map(\.type) == [
                .ascii, .smallint, .tinyint, .float, .date, .time, .inet, .timeuuid, .counter, .map(.varchar, .varchar), .blob,
                .varint, .decimal, .int, .timestamp,
            ]
        )
        try #require(rows.rows.count == 2)
        let row = rows.rows[0]
        #expect(row["a"] == .text("abc"))
        #expect(row["s"] == .int(-2))
        #expect(row["ti"] == .int(-3))
        #expect(row["f"] == .double(1.5))
        #expect(row["d"] == .int(19844))  // 2024-05-01 is day 19844 after the epoch
        #expect(row["tm"] == .bigint(3_600_000_000_000))
        #expect(row["ip"] == .blob([127, 0, 0, 1]))
        #expect(row["tu"] == .uuid(Self.uuid))
        #expect(row["c"] == .bigint(42))
        #expect(row["m"] == .textMap(["k1": "v1", "k2": ""]))
        #expect(row["b"] == .blob([0x00, 0xFF]))
        #expect(row["vi"] == .blob([0x00, 0x80]))
        #expect(row["de"] == .blob([0, 0, 0, 1, 15]))
        #expect(row["i"] == .int(-7))
        #expect(row["ts"]?.timestampMilliseconds == 1_714_521_600_000)
        #expect(rows.rows[1].values.allSatisfy { $0.isNull })
    }

    @Test func rowsWithoutMetadataUseThePreparedColumns() async throws {
        let frames = try await Self.extraFrames()
        let prepared = [Self.column("ts", .bigint, keyspace: "ks", table: "t"), Self.column("bool_v", .boolean, keyspace: "ks", table: "t")]
        let rows = try #require(try Self.result(frames["rows_no_metadata"], resultColumns: prepared).rows)
        #expect(rows.columns == prepared)
        #expect(rows.rows.map(\.values) == [[.bigint(5), .boolean(true)], [.bigint(6), .null]])
        #expect(rows.pagingState == Array("peer:2".utf8))
        // Without them there is nothing to read the rows by; with the wrong number of columns they do not fit.
        #expect(throws: CassandraError.self) { try Self.result(frames["rows_no_metadata"]) }
        #expect(throws: CassandraError.self) { try Self.result(frames["rows_no_metadata"], resultColumns: [prepared[0]]) }
    }

    @Test func functionAndTypeSchemaChanges() async throws {
        let frames = try await Self.extraFrames()
        guard case .schemaChange(let function) = try Self.result(frames["schema_function"]),
            case .schemaChange(let type) = try Self.result(frames["schema_type"])
        else {
            Issue.record("schema changes")
            return
        }
        #expect(function == CassandraSchemaChange(change: "CREATED", target: "FUNCTION", keyspace: "ks", name: "f", argumentTypes: ["int", "text"]))
        #expect(type == CassandraSchemaChange(change: "DROPPED", target: "TYPE", keyspace: "ks", name: "address"))
    }

    @Test func tracingWarningsAndCustomPayloadAreSkipped() async throws {
        let frames = try await Self.extraFrames()
        let (flagged, response) = try Self.decode(try #require(frames["flags_all"]))
        #expect(flagged.stream == 9)
        #expect(flagged.warnings == ["w1", "batch too large"])
        guard case .result(.setKeyspace("ks")) = response else {
            Issue.record("flags_all: \(response)")
            return
        }
        for name in ["flags_warning", "flags_tracing", "flags_payload"] {
            guard case .void = try Self.result(frames[name]) else {
                Issue.record("\(name) is not void")
                continue
            }
        }
    }
}
