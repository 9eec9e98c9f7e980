import NIOCore

extension CassandraResponse {
    /// Decodes a frame's body.
    ///
    /// - Parameter resultColumns: The columns a prepared statement said its rows have, for a Rows result sent without
    ///   metadata because the request asked to skip it.
    init(decoding frame: CassandraFrame, resultColumns: [CassandraColumn]? = nil) throws {
        var body = frame.body
        guard let opcode = CassandraOpcode(rawValue: frame.opcode) else {
            throw CassandraError.protocolViolation("unknown opcode 0x\(String(frame.opcode, radix: 16))")
        }
        switch opcode {
        case .error:
            self = .error(try Self.decodeError(&body))
        case .ready:
            self = .ready
        case .authenticate:
            self = .authenticate(try body.readCQLString())
        case .supported:
            self = .supported(try body.readCQLStringMultimap())
        case .result:
            self = .result(try Self.decodeResult(&body, resultColumns: resultColumns))
        case .authChallenge:
            self = .authChallenge(try body.readCQLNullableBytes("an auth challenge token"))
        case .authSuccess:
            self = .authSuccess(try body.readCQLNullableBytes("an auth success token"))
        case .startup, .options, .query, .prepare, .execute, .register, .event, .batch, .authResponse:
            throw CassandraError.protocolViolation("a \(opcode) frame where a response was expected")
        }
        // Spec section 4.2: trailing bytes are room for future extensions and are ignored.
    }

    private static func decodeError(_ body: inout ByteBuffer) throws -> CassandraError {
        let rawCode = try body.readCQLInt("an error code")
        let message = try body.readCQLString()
        let code = CassandraError.Code.server(rawCode)
        let details: CassandraError.Details
        switch rawCode {
        case 0x1000:
            details = .unavailable(
                consistency: try body.readCQLConsistency(),
                required: try body.readCQLInt(),
                alive: try body.readCQLInt()
            )
        case 0x1100:
            details = .writeTimeout(
                consistency: try body.readCQLConsistency(),
                received: try body.readCQLInt(),
                blockFor: try body.readCQLInt(),
                writeType: try body.readCQLString()
            )
        case 0x1200:
            details = .readTimeout(
                consistency: try body.readCQLConsistency(),
                received: try body.readCQLInt(),
                blockFor: try body.readCQLInt(),
                dataPresent: try body.readCQLByte() != 0
            )
        case 0x1300:
            details = .readFailure(
                consistency: try body.readCQLConsistency(),
                received: try body.readCQLInt(),
                blockFor: try body.readCQLInt(),
                failures: try body.readCQLInt(),
                dataPresent: try body.readCQLByte() != 0
            )
        case 0x1400:
            details = .functionFailure(
                keyspace: try body.readCQLString(),
                function: try body.readCQLString(),
                argumentTypes: try body.readCQLStringList()
            )
        case 0x1500:
            details = .writeFailure(
                consistency: try body.readCQLConsistency(),
                received: try body.readCQLInt(),
                blockFor: try body.readCQLInt(),
                failures: try body.readCQLInt(),
                writeType: try body.readCQLString()
            )
        case 0x2400:
            details = .alreadyExists(keyspace: try body.readCQLString(), table: try body.readCQLString())
        case 0x2500:
            details = .unprepared(id: try body.readCQLShortBytes("an unprepared id"))
        default:
            details = .none
        }
        return CassandraError(code: code, message: message, details: details)
    }

    private static func decodeResult(_ body: inout ByteBuffer, resultColumns: [CassandraColumn]?) throws -> CassandraResult {
        let kind = try body.readCQLInt("a result kind")
        switch kind {
        case 0x0001:
            return .void
        case 0x0002:
            return .rows(try Self.decodeRows(&body, resultColumns: resultColumns))
        case 0x0003:
            return .setKeyspace(try body.readCQLString())
        case 0x0004:
            return .prepared(try Self.decodePrepared(&body))
        case 0x0005:
            return .schemaChange(try Self.decodeSchemaChange(&body))
        default:
            throw CassandraError.protocolViolation("unknown result kind \(kind)")
        }
    }

    /// The `<metadata>` of a Rows result (spec section 4.2.5.2).
    private struct RowsMetadata {
        var columnCount: Int
        /// `nil` when the No_metadata flag was set.
        var columns: [CassandraColumn]?
        var pagingState: [UInt8]?
    }

    private static func decodeRowsMetadata(_ body: inout ByteBuffer) throws -> RowsMetadata {
        let flags = try body.readCQLInt("rows metadata flags")
        let columnCount = try body.readCQLInt("a column count")
        guard columnCount >= 0 else {
            throw CassandraError.protocolViolation("negative column count \(columnCount)")
        }
        var metadata = RowsMetadata(columnCount: Int(columnCount))
        if flags & 0x0002 != 0 {
            metadata.pagingState = try body.readCQLNullableBytes("a paging state")
        }
        if flags & 0x0004 == 0 {
            metadata.columns = try Self.decodeColumnSpecs(&body, count: Int(columnCount), globalTableSpec: flags & 0x0001 != 0)
        }
        return metadata
    }

    private static func decodeColumnSpecs(_ body: inout ByteBuffer, count: Int, globalTableSpec: Bool) throws -> [CassandraColumn] {
        // A column spec takes at least 4 bytes (an empty name and a type id): a larger count is a lie that must not size
        // an allocation.
        guard count <= body.readableBytes / 4 else {
            throw CassandraError.protocolViolation("\(count) column specs in \(body.readableBytes) bytes")
        }
        var global: (keyspace: String, table: String)?
        if globalTableSpec {
            global = (try body.readCQLString(), try body.readCQLString())
        }
        var columns: [CassandraColumn] = []
        columns.reserveCapacity(count)
        for _ in 0..<count {
            let keyspace: String
            let table: String
            if let global {
                (keyspace, table) = global
            } else {
                keyspace = try body.readCQLString()
                table = try body.readCQLString()
            }
            let name = try body.readCQLString()
            let type = try Self.decodeType(&body, depth: 0)
            columns.append(CassandraColumn(keyspace: keyspace, table: table, name: name, type: type))
        }
        return columns
    }

    /// Deeper type nesting than any schema uses would only be a way to exhaust the stack.
    private static let maximumTypeDepth = 64

    private static func decodeType(_ body: inout ByteBuffer, depth: Int) throws -> CassandraDataType {
        guard depth < Self.maximumTypeDepth else {
            throw CassandraError.protocolViolation("types nested deeper than \(Self.maximumTypeDepth) levels")
        }
        let id = try body.readCQLShort("a type id")
        switch id {
        case 0x0000: return .custom(try body.readCQLString())
        case 0x0001: return .ascii
        case 0x0002: return .bigint
        case 0x0003: return .blob
        case 0x0004: return .boolean
        case 0x0005: return .counter
        case 0x0006: return .decimal
        case 0x0007: return .double
        case 0x0008: return .float
        case 0x0009: return .int
        // 0x000A was `text` before v3 merged it into varchar; servers may still send it.
        case 0x000A: return .varchar
        case 0x000B: return .timestamp
        case 0x000C: return .uuid
        case 0x000D: return .varchar
        case 0x000E: return .varint
        case 0x000F: return .timeuuid
        case 0x0010: return .inet
        case 0x0011: return .date
        case 0x0012: return .time
        case 0x0013: return .smallint
        case 0x0014: return .tinyint
        case 0x0015: return .duration
        case 0x0020: return .list(try Self.decodeType(&body, depth: depth + 1))
        case 0x0021: return .map(try Self.decodeType(&body, depth: depth + 1), try Self.decodeType(&body, depth: depth + 1))
        case 0x0022: return .set(try Self.decodeType(&body, depth: depth + 1))
        case 0x0030:
            let keyspace = try body.readCQLString()
            let name = try body.readCQLString()
            let count = try body.readCQLShort("a UDT field count")
            var fields: [CassandraUDTField] = []
            for _ in 0..<count {
                let fieldName = try body.readCQLString()
                fields.append(CassandraUDTField(name: fieldName, type: try Self.decodeType(&body, depth: depth + 1)))
            }
            return .udt(keyspace: keyspace, name: name, fields: fields)
        case 0x0031:
            let count = try body.readCQLShort("a tuple size")
            var types: [CassandraDataType] = []
            for _ in 0..<count {
                types.append(try Self.decodeType(&body, depth: depth + 1))
            }
            return .tuple(types)
        default:
            throw CassandraError.protocolViolation("unknown type id 0x\(String(id, radix: 16))")
        }
    }

    private static func decodeRows(_ body: inout ByteBuffer, resultColumns: [CassandraColumn]?) throws -> CassandraRows {
        let metadata = try Self.decodeRowsMetadata(&body)
        guard let columns = metadata.columns ?? resultColumns else {
            throw CassandraError.protocolViolation("rows without metadata, and no prepared result metadata to read them by")
        }
        guard columns.count == metadata.columnCount else {
            throw CassandraError.protocolViolation(
                "rows of \(metadata.columnCount) columns, but the metadata describes \(columns.count)"
            )
        }
        let rowCount = try body.readCQLInt("a row count")
        // Every value takes at least its 4-byte length; a count beyond that is a corrupt frame.
        guard rowCount >= 0, columns.isEmpty || Int(rowCount) <= body.readableBytes / (4 * columns.count) else {
            throw CassandraError.protocolViolation("\(rowCount) rows of \(columns.count) columns in \(body.readableBytes) bytes")
        }
        let index = CassandraColumnIndex(columns: columns)
        var rows: [CassandraRow] = []
        rows.reserveCapacity(Int(rowCount))
        for _ in 0..<rowCount {
            var values: [CassandraValue] = []
            values.reserveCapacity(columns.count)
            for column in columns {
                let length = try body.readCQLInt("a value length")
                let bytes = length < 0 ? nil : try body.readCQLSlice(count: Int(length), what: "the value of \(column.name)")
                values.append(try CassandraValue.decode(bytes, as: column.type))
            }
            rows.append(CassandraRow(values: values, index: index))
        }
        return CassandraRows(columns: columns, rows: rows, pagingState: metadata.pagingState)
    }

    private static func decodePrepared(_ body: inout ByteBuffer) throws -> CassandraPreparedStatement {
        let id = try body.readCQLShortBytes("a prepared id")
        let flags = try body.readCQLInt("prepared metadata flags")
        let bindCount = try body.readCQLInt("a bind marker count")
        let partitionKeyCount = try body.readCQLInt("a partition key count")
        guard bindCount >= 0, partitionKeyCount >= 0, Int(partitionKeyCount) <= body.readableBytes / 2 else {
            throw CassandraError.protocolViolation("prepared metadata with \(bindCount) markers and \(partitionKeyCount) key indexes")
        }
        var partitionKeyIndexes: [Int] = []
        for _ in 0..<partitionKeyCount {
            partitionKeyIndexes.append(Int(try body.readCQLShort("a partition key index")))
        }
        let bindColumns = try Self.decodeColumnSpecs(&body, count: Int(bindCount), globalTableSpec: flags & 0x0001 != 0)
        let resultMetadata = try Self.decodeRowsMetadata(&body)
        return CassandraPreparedStatement(
            id: id,
            bindColumns: bindColumns,
            partitionKeyIndexes: partitionKeyIndexes,
            resultColumns: resultMetadata.columns ?? []
        )
    }

    private static func decodeSchemaChange(_ body: inout ByteBuffer) throws -> CassandraSchemaChange {
        let change = try body.readCQLString()
        let target = try body.readCQLString()
        let keyspace = try body.readCQLString()
        var schemaChange = CassandraSchemaChange(change: change, target: target, keyspace: keyspace)
        switch target {
        case "KEYSPACE":
            break
        case "FUNCTION", "AGGREGATE":
            schemaChange.name = try body.readCQLString()
            schemaChange.argumentTypes = try body.readCQLStringList()
        default:
            schemaChange.name = try body.readCQLString()
        }
        return schemaChange
    }
}
