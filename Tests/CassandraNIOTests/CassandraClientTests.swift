import Foundation
import Logging
import NIOSSL
import Testing

@testable import CassandraNIO

@Suite("Client availability")
struct CassandraClientTests {
    @Test func everyNodeDownFailsQuicklyWithNoHostAvailable() async throws {
        let ports = [try await PeerProcess.freePort(), try await PeerProcess.freePort()]
        var configuration = CassandraConfiguration(endpoints: ports.map { CassandraEndpoint(host: "127.0.0.1", port: $0) })
        configuration.requestTimeout = .seconds(30)
        configuration.connectTimeout = .seconds(2)
        try await withRunningClient(configuration) { client in
            let start = ContinuousClock.now
            let error = try await #require(throws: CassandraError.self) { try await client.query("SELECT now() FROM system.local") }
            #expect(error.code == .noHostAvailable)
            #expect(error.isUnavailable)
            // Refused connects fail at once; the request must not wait for its 30 s timeout.
            #expect(ContinuousClock.now - start < .seconds(10))
        }
    }

    @Test func requestsGoToTheNodesThatAreUp() async throws {
        try await PeerProcess.with { peer in try await Self.requestsGoToTheNodesThatAreUp(peer) }
    }

    private static func requestsGoToTheNodesThatAreUp(_ peer: PeerProcess) async throws {
        let deadPort = try await PeerProcess.freePort()
        var configuration = CassandraConfiguration(endpoints: [
            CassandraEndpoint(host: "127.0.0.1", port: deadPort), CassandraEndpoint(host: "127.0.0.1", port: peer.port),
        ])
        configuration.consistency = .one
        try await withRunningClient(configuration) { client in
            for _ in 0..<10 {
                _ = try await client.ping()
            }
        }
    }

    @Test func aNodeThatComesBackIsReconnected() async throws {
        try await PeerProcess.with { firstPeer in try await Self.reconnect(after: firstPeer) }
    }

    private static func reconnect(after firstPeer: PeerProcess) async throws {
        let port = firstPeer.port
        var configuration = CassandraConfiguration(endpoints: [CassandraEndpoint(host: "127.0.0.1", port: port)])
        configuration.reconnectInitialDelay = .milliseconds(20)
        configuration.reconnectMaximumDelay = .milliseconds(200)
        try await withRunningClient(configuration) { client in
            _ = try await client.ping()
            await firstPeer.stop()
            try await eventually("the connections notice the peer is gone", within: .seconds(10)) { client.connectedCount == 0 }
            let error = try await #require(throws: CassandraError.self) { _ = try await client.ping() }
            #expect(error.isUnavailable)
            let secondPeer = try await PeerProcess.start(onPort: port)
            do {
                try await eventually("the client reconnects", within: .seconds(10)) { client.connectedCount > 0 }
                _ = try await client.ping()
                await secondPeer.stop()
            } catch {
                await secondPeer.stop()
                throw error
            }
        }
    }

    @Test func aRequestBeforeRunWaitsForTheFirstConnection() async throws {
        try await PeerProcess.with { peer in try await Self.requestBeforeRun(peer) }
    }

    private static func requestBeforeRun(_ peer: PeerProcess) async throws {
        var configuration = CassandraConfiguration(endpoints: [CassandraEndpoint(host: "127.0.0.1", port: peer.port)])
        configuration.requestTimeout = .seconds(10)
        let client = CassandraClient(configuration: configuration, logger: .init(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = try await client.ping()
            }
            group.addTask {
                try await client.run()
            }
            // The ping finishes first; then stop run().
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
        let error = try await #require(throws: CassandraError.self) { _ = try await client.ping() }
        #expect(error.code == .shutdown)
    }

    @Test func tlsToANodeThatDoesNotSpeakItFailsTheConnectInsteadOfHanging() async throws {
        try await PeerProcess.with { peer in try await Self.tlsAgainstPlainPeer(peer) }
    }

    private static func tlsAgainstPlainPeer(_ peer: PeerProcess) async throws {
        var configuration = CassandraConfiguration(endpoints: [CassandraEndpoint(host: "127.0.0.1", port: peer.port)])
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        configuration.tls = tls
        // Long enough that a loaded machine completes the TCP connect within it, so the handshake is what times out.
        configuration.connectTimeout = .seconds(2)
        configuration.requestTimeout = .seconds(20)
        try await withRunningClient(configuration) { client in
            let start = ContinuousClock.now
            // The plain peer never answers a TLS ClientHello: the connect timeout must end the attempt.
            let error = try await #require(throws: CassandraError.self) { _ = try await client.ping() }
            #expect(error.code == .noHostAvailable)
            #expect(error.message.contains("no handshake answer"), "\(error)")
            #expect(ContinuousClock.now - start < .seconds(10))
        }
    }
}
