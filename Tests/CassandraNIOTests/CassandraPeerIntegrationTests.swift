import Foundation
import Testing

@testable import CassandraNIO

/// The client against the oracle's protocol peer over TCP: handshake, schema, prepared writes, paged reads.
@Suite("Client against the oracle peer")
struct CassandraPeerIntegrationTests {
    static func configuration(_ peer: PeerProcess) -> CassandraConfiguration {
        var configuration = CassandraConfiguration(endpoints: [CassandraEndpoint(host: "127.0.0.1", port: peer.port)])
        configuration.consistency = .one
        configuration.requestTimeout = .seconds(10)
        return configuration
    }

    @Test func schemaPreparedWritesAndPagedReads() async throws {
        try await PeerProcess.with { peer in try await Self.schemaPreparedWritesAndPagedReads(peer) }
    }

    private static func schemaPreparedWritesAndPagedReads(_ peer: PeerProcess) async throws {
        try await withRunningClient(Self.configuration(peer)) { client in
            _ = try await client.ping()
            guard
                case .schemaChange(let keyspace) = try await client.query(
                    "CREATE KEYSPACE iot WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
                )
            else {
                Issue.record("CREATE KEYSPACE did not answer with a schema change")
                return
            }
            #expect(keyspace == CassandraSchemaChange(change: "CREATED", target: "KEYSPACE", keyspace: "iot"))
            try await client.useKeyspace("iot")
            guard
                case .schemaChange(let table) = try await client.query(
                    "CREATE TABLE readings (device text, ts bigint, value double, note text, PRIMARY KEY ((device), ts))"
                )
            else {
                Issue.record("CREATE TABLE did not answer with a schema change")
                return
            }
            #expect(table.target == "TABLE" && table.keyspace == "iot" && table.name == "readings")

            let insert = "INSERT INTO readings (device, ts, value, note) VALUES (?, ?, ?, ?)"
            for ts in 0..<25 {
                // `.int` binds to the bigint marker: the prepared statement's types decide the width.
                let result = try await client.execute(insert, [.text("d1"), .int(Int32(ts)), .double(Double(ts) / 2), .text("n\(ts)")])
                guard case .void = result else {
                    Issue.record("INSERT answered \(result)")
                    return
                }
            }
            try await client.batch(
                (25..<30).map { CassandraStatement(insert, [.text("d1"), .bigint(Int64($0)), .double(Double($0) / 2), .null]) },
                kind: .logged
            )
            // (`.unset` is checked against the oracle's decoder; the peer cannot store it.)
            _ = try await client.execute(insert, [.text("d2"), .bigint(0), .double(0), .null])

            var seen: [Int64] = []
            for try await row in client.rows("SELECT * FROM readings WHERE device = ?", [.text("d1")], pageSize: 7) {
                #expect(row["device"]?.string == "d1")
                let ts = try #require(row["ts"]?.int64)
                #expect(row["value"]?.double == Double(ts) / 2)
                #expect(row["note"] == (ts < 25 ? .text("n\(ts)") : .null))
                seen.append(ts)
            }
            #expect(seen == Array(0..<30))

            let firstPage = try #require(
                try await client.execute("SELECT ts FROM readings WHERE device = ?", [.text("d1")], options: .init(pageSize: 10)).rows
            )
            #expect(firstPage.rows.count == 10)
            #expect(firstPage.columns.map(\.name) == ["ts"])
            let pagingState = try #require(firstPage.pagingState)
            let secondPage = try #require(
                try await client.execute(
                    "SELECT ts FROM readings WHERE device = ?",
                    [.text("d1")],
                    options: .init(pageSize: 10, pagingState: pagingState)
                ).rows
            )
            #expect(secondPage.rows.map { $0[0] } == (10..<20).map { .bigint(Int64($0)) })

            let ranged = try #require(try await client.query("SELECT ts FROM readings WHERE device = 'd1' AND ts >= 28").rows)
            #expect(ranged.rows.map { $0["ts"] } == [.bigint(28), .bigint(29)])
        }
    }

    @Test func aNodeThatForgotItsPreparedStatementsIsPreparedAgain() async throws {
        try await PeerProcess.with { peer in try await Self.forgottenPreparedStatements(peer) }
    }

    private static func forgottenPreparedStatements(_ peer: PeerProcess) async throws {
        var configuration = Self.configuration(peer)
        configuration.connectionsPerNode = 1
        try await withRunningClient(configuration) { client in
            _ = try await client.query("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
            _ = try await client.query("CREATE TABLE ks.t (k text PRIMARY KEY, v bigint)")
            let insert = "INSERT INTO ks.t (k, v) VALUES (?, ?)"
            _ = try await client.execute(insert, [.text("a"), .bigint(1)])
            // The peer's test hook: as if the node restarted and lost every prepared statement.
            _ = try await client.query("-- peer:forget_prepared")
            _ = try await client.execute(insert, [.text("b"), .bigint(2)])
            // The peer answers a BATCH with unknown ids by `invalid`, not `unprepared`, so the batch's retry is not
            // exercised here; a batch after the re-prepare is.
            try await client.batch([CassandraStatement(insert, [.text("c"), .bigint(3)])])
            var keys: [String] = []
            for try await row in client.rows("SELECT k FROM ks.t WHERE k >= ?", [.text("a")]) {
                keys.append(try #require(row[0].string))
            }
            #expect(keys == ["a", "b", "c"])
        }
    }

    @Test func serverErrorsReachTheCaller() async throws {
        try await PeerProcess.with { peer in try await Self.serverErrors(peer) }
    }

    private static func serverErrors(_ peer: PeerProcess) async throws {
        try await withRunningClient(Self.configuration(peer)) { client in
            let invalid = try await #require(throws: CassandraError.self) { try await client.query("SELECT * FROM nope.nothing") }
            #expect(invalid.code == .invalid)
            #expect(!invalid.isUnavailable)
            let useMissing = try await #require(throws: CassandraError.self) { try await client.useKeyspace("missing") }
            #expect(useMissing.code == .invalid)
            // The connection survives a server error.
            _ = try await client.ping()
        }
    }

    @Test func aKeyspaceConfiguredUpFrontIsUsedByEveryConnection() async throws {
        try await PeerProcess.with { peer in try await Self.configuredKeyspace(peer) }
    }

    private static func configuredKeyspace(_ peer: PeerProcess) async throws {
        try await withRunningClient(Self.configuration(peer)) { client in
            _ = try await client.query("CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        }
        var configuration = Self.configuration(peer)
        configuration.keyspace = "app"
        configuration.connectionsPerNode = 3
        try await withRunningClient(configuration) { client in
            _ = try await client.query("CREATE TABLE t (k text PRIMARY KEY, v bigint)")
            // Spread over every connection: each must have switched to `app` for the unqualified name to resolve.
            for index in 0..<9 {
                _ = try await client.execute("INSERT INTO t (k, v) VALUES (?, ?)", [.text("k\(index)"), .bigint(Int64(index))])
            }
        }
    }
}
