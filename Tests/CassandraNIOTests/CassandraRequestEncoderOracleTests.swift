import Foundation
import NIOCore
import Testing

@testable import CassandraNIO

/// Every request the client can send, encoded here and decoded by the DataStax driver's primitives.
@Suite("Request encoder against the oracle")
struct CassandraRequestEncoderOracleTests {
    static let uuid = UUID(uuidString: "0B3AC6A0-0000-11EF-8000-000000000001")!

    /// Every value case, with the bytes it must encode to (`nil` for null, "UNSET" for unset).
    static let values: [(value: CassandraValue, expected: String?)] = [
        (.bigint(202405), "00000000000316a5"),
        (.int(7), "00000007"),
        (.double(21.5), "4035800000000000"),
        (.boolean(true), "01"),
        (.boolean(false), "00"),
        (.text("dev-1"), "6465762d31"),
        (.text("ünï"), "c3bc6ec3af"),
        (.timestamp(1_714_564_800_000), "0000018f34069e00"),
        (.blob([0xCA, 0xFE]), "cafe"),
        (.blob([]), ""),
        (.uuid(Self.uuid), "0b3ac6a0000011ef8000000000000001"),
        (.textMap(["b": "2", "a": "1"]), "00000002" + "0000000161" + "0000000131" + "0000000162" + "0000000132"),
        (.null, nil),
        (.unset, "UNSET"),
    ]

    private static func encode(_ body: (inout CassandraRequestEncoder) throws -> Void) rethrows -> [UInt8] {
        var encoder = CassandraRequestEncoder()
        try body(&encoder)
        return Array(encoder.flush().readableBytesView)
    }

    /// The oracle's rendering of a `[value]`: `{"hex": ...}`, `"UNSET"` or null.
    private static func rendered(_ value: Any?) -> String {
        switch value {
        case let dictionary as [String: Any]: return dictionary["hex"] as? String ?? "?"
        case let string as String: return string
        case nil, is NSNull: return "null"
        default: return "\(value!)"
        }
    }

    private static func expectedRendering(_ expected: String?) -> String {
        expected ?? "null"
    }

    @Test func handshakeAndOptions() async throws {
        let frames = [
            Self.encode { $0.startup(stream: 0) },
            Self.encode { $0.options(stream: 1) },
            Self.encode { $0.authResponse(stream: 2, token: PlainCredentials(username: "cassandra", password: "s3cret").token) },
        ]
        let decoded = try await OracleProcess.decodeRequests(frames)
        try #require(decoded.count == 3)
        #expect(decoded[0]["name"] as? String == "STARTUP")
        #expect(decoded[0]["cqlversion"] as? String == "3.0.0")
        // No COMPRESSION option: the client never asks for it.
        #expect((decoded[0]["options"] as? [String: Any])?.isEmpty == true)
        #expect(decoded[0]["version"] as? Int == 4)
        #expect(decoded[1]["name"] as? String == "OPTIONS")
        #expect(decoded[1]["stream"] as? Int == 1)
        #expect(decoded[2]["name"] as? String == "AUTH_RESPONSE")
        #expect(decoded[2]["stream"] as? Int == 2)
        #expect(Self.rendered(decoded[2]["response"]) == "00" + Array("cassandra".utf8).hexString + "00" + Array("s3cret".utf8).hexString)
    }

    @Test func queryWithoutParameters() async throws {
        let frame = try Self.encode {
            try $0.query(stream: 3, cql: "SELECT * FROM system.local", parameters: CassandraQueryParameters(consistency: .one))
        }
        let decoded = try await OracleProcess.decodeRequests([frame])[0]
        #expect(decoded["name"] as? String == "QUERY")
        #expect(decoded["stream"] as? Int == 3)
        #expect(decoded["query"] as? String == "SELECT * FROM system.local")
        #expect(decoded["consistency_level"] as? Int == 1)
        #expect(decoded["flags"] as? Int == 0)
        #expect(decoded["query_params"] is NSNull)
    }

    @Test func queryWithEveryValueKindAndEveryFlag() async throws {
        let parameters = CassandraQueryParameters(
            consistency: .localQuorum,
            values: Self.values.map(\.value),
            pageSize: 100,
            pagingState: [0x00, 0x04, 0x61, 0x62],
            serialConsistency: .localSerial,
            timestamp: 1_714_564_800_000_000
        )
        let cql = "INSERT INTO t (a, b) VALUES (?, ?) -- ünïcode"
        let frame = try Self.encode { try $0.query(stream: 300, cql: cql, parameters: parameters) }
        let decoded = try await OracleProcess.decodeRequests([frame])[0]
        #expect(decoded["name"] as? String == "QUERY")
        #expect(decoded["stream"] as? Int == 300)
        #expect(decoded["query"] as? String == cql)
        #expect(decoded["consistency_level"] as? Int == Int(CassandraConsistency.localQuorum.rawValue))
        #expect(decoded["flags"] as? Int == 0x01 | 0x04 | 0x08 | 0x10 | 0x20)
        #expect(decoded["fetch_size"] as? Int == 100)
        #expect(Self.rendered(decoded["paging_state"]) == "00046162")
        #expect(decoded["serial_consistency_level"] as? Int == Int(CassandraConsistency.localSerial.rawValue))
        #expect(decoded["timestamp"] as? Int == 1_714_564_800_000_000)
        let params = try #require(decoded["query_params"] as? [Any])
        try #require(params.count == Self.values.count)
        for (index, (value, expected)) in Self.values.enumerated() {
            #expect(Self.rendered(params[index]) == Self.expectedRendering(expected), "value \(value)")
        }
    }

    @Test func prepare() async throws {
        let cql = "INSERT INTO ks.t (k, v) VALUES (?, ?)"
        let decoded = try await OracleProcess.decodeRequests([Self.encode { $0.prepare(stream: 5, cql: cql) }])[0]
        #expect(decoded["name"] as? String == "PREPARE")
        #expect(decoded["stream"] as? Int == 5)
        #expect(decoded["query"] as? String == cql)
    }

    @Test func executeWithSkipMetadataPagingAndTypedValues() async throws {
        var parameters = CassandraQueryParameters(
            consistency: .quorum,
            values: [.text("dev-1"), .int(202405), .int(3), .double(1.5), .bigint(-2)],
            skipMetadata: true,
            pageSize: 5000,
            pagingState: [0xCA, 0xFE]
        )
        // Prepared marker types: an `.int` bound to a bigint is widened, a `.double` to a float narrowed, a `.bigint`
        // to a smallint narrowed.
        parameters.valueTypes = [.varchar, .bigint, .int, .float, .smallint]
        let id: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]
        let frame = try Self.encode { try $0.execute(stream: 6, id: id, parameters: parameters) }
        let decoded = try await OracleProcess.decodeRequests([frame])[0]
        #expect(decoded["name"] as? String == "EXECUTE")
        #expect(decoded["stream"] as? Int == 6)
        #expect(Self.rendered(decoded["query_id"]) == id.hexString)
        #expect(decoded["consistency_level"] as? Int == 4)
        #expect(decoded["flags"] as? Int == 0x01 | 0x02 | 0x04 | 0x08)
        #expect(decoded["skip_meta"] as? Bool == true)
        #expect(decoded["fetch_size"] as? Int == 5000)
        #expect(Self.rendered(decoded["paging_state"]) == "cafe")
        #expect(decoded["serial_consistency_level"] is NSNull)
        #expect(decoded["timestamp"] is NSNull)
        let params = try #require(decoded["query_params"] as? [Any])
        #expect(params.map(Self.rendered) == ["6465762d31", "00000000000316a5", "00000003", "3fc00000", "fffe"])
    }

    @Test func batches() async throws {
        let first: [UInt8] = [0x01, 0x02]
        let second: [UInt8] = [0x03]
        let logged = CassandraBatchRequest(
            kind: .logged,
            entries: [
                .init(id: first, values: [.text("a"), .bigint(1)], valueTypes: nil),
                .init(id: second, values: [.null, .unset], valueTypes: nil),
                .init(id: first, values: [.text("b"), .int(2)], valueTypes: [.varchar, .bigint]),
            ],
            consistency: .localQuorum,
            serialConsistency: .serial,
            timestamp: 1_714_564_800_000_001
        )
        let counter = CassandraBatchRequest(
            kind: .counter,
            entries: [.init(id: second, values: [], valueTypes: nil)],
            consistency: .one,
            serialConsistency: nil,
            timestamp: nil
        )
        let frames = try [Self.encode { try $0.batch(stream: 7, logged) }, Self.encode { try $0.batch(stream: 8, counter) }]
        let decoded = try await OracleProcess.decodeRequests(frames)
        #expect(decoded[0]["name"] as? String == "BATCH")
        #expect(decoded[0]["batch_type"] as? Int == 0)
        #expect(decoded[0]["consistency_level"] as? Int == 6)
        #expect(decoded[0]["serial_consistency_level"] as? Int == 8)
        #expect(decoded[0]["timestamp"] as? Int == 1_714_564_800_000_001)
        #expect(decoded[0]["flags"] as? Int == 0x30)
        let queries = try #require(decoded[0]["queries"] as? [[Any]])
        try #require(queries.count == 3)
        #expect(queries.map { $0[0] as? Bool } == [true, true, true])
        #expect(queries.map { Self.rendered($0[1]) } == [first.hexString, second.hexString, first.hexString])
        #expect((queries[0][2] as? [Any])?.map(Self.rendered) == ["61", "0000000000000001"])
        #expect((queries[1][2] as? [Any])?.map(Self.rendered) == ["null", "UNSET"])
        #expect((queries[2][2] as? [Any])?.map(Self.rendered) == ["62", "0000000000000002"])
        #expect(decoded[1]["batch_type"] as? Int == 2)
        #expect(decoded[1]["flags"] as? Int == 0)
        #expect(decoded[1]["consistency_level"] as? Int == 1)
        #expect(decoded[1]["stream"] as? Int == 8)
    }

    @Test func aValueThatDoesNotFitItsMarkerFailsAndLeavesNoBytes() throws {
        var encoder = CassandraRequestEncoder()
        var parameters = CassandraQueryParameters(consistency: .one, values: [.bigint(1 << 40)])
        parameters.valueTypes = [.int]
        #expect(throws: CassandraError.self) {
            try encoder.execute(stream: 1, id: [1], parameters: parameters)
        }
        #expect(encoder.buffer.readableBytes == 0)
    }
}
