/// The `<query_parameters>` of QUERY and EXECUTE (spec section 4.1.4), resolved from the caller's options.
struct CassandraQueryParameters: Sendable, Equatable {
    /// The flag bits of spec section 4.1.4.
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8

        static let values = Flags(rawValue: 0x01)
        static let skipMetadata = Flags(rawValue: 0x02)
        static let pageSize = Flags(rawValue: 0x04)
        static let withPagingState = Flags(rawValue: 0x08)
        static let withSerialConsistency = Flags(rawValue: 0x10)
        static let withDefaultTimestamp = Flags(rawValue: 0x20)
    }

    var consistency: CassandraConsistency
    var values: [CassandraValue]
    /// The bind marker types from the prepared statement, when known, so that values are written at their width.
    var valueTypes: [CassandraDataType]?
    var skipMetadata: Bool
    var pageSize: Int32?
    var pagingState: [UInt8]?
    var serialConsistency: CassandraConsistency?
    var timestamp: Int64?

    init(
        consistency: CassandraConsistency,
        values: [CassandraValue] = [],
        valueTypes: [CassandraDataType]? = nil,
        skipMetadata: Bool = false,
        pageSize: Int32? = nil,
        pagingState: [UInt8]? = nil,
        serialConsistency: CassandraConsistency? = nil,
        timestamp: Int64? = nil
    ) {
        self.consistency = consistency
        self.values = values
        self.valueTypes = valueTypes
        self.skipMetadata = skipMetadata
        self.pageSize = pageSize
        self.pagingState = pagingState
        self.serialConsistency = serialConsistency
        self.timestamp = timestamp
    }

    init(options: CassandraQueryOptions, defaultConsistency: CassandraConsistency, values: [CassandraValue]) {
        self.init(
            consistency: options.consistency ?? defaultConsistency,
            values: values,
            pageSize: options.pageSize,
            pagingState: options.pagingState,
            serialConsistency: options.serialConsistency,
            timestamp: options.timestamp
        )
    }

    var flags: Flags {
        var flags: Flags = []
        if !self.values.isEmpty {
            flags.insert(.values)
        }
        if self.skipMetadata {
            flags.insert(.skipMetadata)
        }
        if self.pageSize != nil {
            flags.insert(.pageSize)
        }
        if self.pagingState != nil {
            flags.insert(.withPagingState)
        }
        if self.serialConsistency != nil {
            flags.insert(.withSerialConsistency)
        }
        if self.timestamp != nil {
            flags.insert(.withDefaultTimestamp)
        }
        return flags
    }
}
