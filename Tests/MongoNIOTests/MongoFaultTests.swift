import Foundation
import Synchronization
import Testing

@testable import MongoNIO

/// Servers of the tests' own (scripts/mongo-server.sh, IOTFLOW_TEST_MONGO_SCRIPT), killed and restarted under the
/// client.
@Suite("Client faults: server killed and restarted, hosts unreachable")
struct MongoFaultTests {
    private static func configuration(_ hosts: [MongoServerAddress]) -> MongoConfiguration {
        var configuration = MongoConfiguration(hosts: hosts)
        configuration.database = "faults"
        configuration.poolSize = 2
        configuration.connectTimeout = .seconds(10)
        configuration.requestTimeout = .seconds(20)
        configuration.reconnectInitialDelay = .milliseconds(50)
        configuration.reconnectMaximumDelay = .milliseconds(500)
        return configuration
    }

    /// The outcome of a command during an outage: a typed error, never a hang.
    private static func outcome(_ body: () async throws -> Void) async -> MongoError.Code? {
        do {
            try await body()
            return nil
        } catch let error as MongoError {
            return error.code
        } catch {
            Issue.record("an untyped error: \(error)")
            return nil
        }
    }

    @Test("the server is killed under running requests and restarted on its port: requests fail fast, typed, then succeed again on the same client")
    func killAndRestart() async throws {
        let server = try await TestMongoServer()
        let configuration = Self.configuration([server.address])
        try await server.whileRunning {
            try await self.killAndRestart(server: server, configuration: configuration)
        }
    }

    private func killAndRestart(server: TestMongoServer, configuration: MongoConfiguration) async throws {
        try await withRunningClient(configuration) { client in
            let collection = client.collection("events", database: "faults")
            try await collection.insert([["phase": .string("before")]])
            try await eventually("the whole pool is up") { client.connectedCount == 2 }

            // Requests keep running while the server dies: each ends with a result or a typed error.
            let succeeded = Atomic<Int>(0)
            let load = Task {
                var codes: [MongoError.Code?] = []
                let deadline = ContinuousClock.now + .seconds(120)
                // Until five requests in a row have failed: the outage has been seen, from inside running requests.
                while ContinuousClock.now < deadline && !(codes.count >= 5 && codes.suffix(5).allSatisfy { $0 != nil }) {
                    let code = await Self.outcome { _ = try await client.ping() }
                    if code == nil {
                        succeeded.add(1, ordering: .relaxed)
                    }
                    codes.append(code)
                }
                return codes
            }
            // The kill lands while requests run, however slowly the load task gets going on a busy machine.
            try await eventually("the load has had requests answered") { succeeded.load(ordering: .relaxed) >= 3 }
            try await server.kill()
            let codes = await load.value
            #expect(codes.contains(nil), "no request succeeded before the kill")
            #expect(codes.allSatisfy { $0 == nil || $0 == .connectionClosed || $0 == .connectionUnavailable }, "\(codes)")

            try await eventually("the client sees the server is gone") { !client.isConnected }
            let clock = ContinuousClock()
            let start = clock.now
            let during = await Self.outcome { try await collection.insert([["phase": .string("during")]]) }
            #expect(during == .connectionUnavailable)
            // Far below the 20 s request timeout: the client did not wait for the server to come back.
            #expect(clock.now - start < .seconds(10))

            try await server.start()
            try await eventually("requests succeed again after the restart") {
                (try? await client.ping()) != nil
            }
            try await collection.insert([["phase": .string("after")]])
            let phases = try await collection.find(sort: ["_id": .int32(1)]).collect().compactMap { $0["phase"]?.stringValue }
            #expect(phases.contains("after"))
            #expect(!phases.contains("during"))
        }
    }

    @Test("no server on the port: a request fails with connectionUnavailable within its timeout")
    func refused() async throws {
        let port = try await TestMongoServer.unusedPort()
        var configuration = Self.configuration([MongoServerAddress(host: "127.0.0.1", port: port)])
        configuration.requestTimeout = .seconds(5)
        try await withRunningClient(configuration, waitForConnection: false) { client in
            let clock = ContinuousClock()
            let start = clock.now
            let code = await Self.outcome { _ = try await client.ping() }
            #expect(code == .connectionUnavailable)
            // Only tells a timeout from a hang.
            #expect(clock.now - start < .seconds(30))
            let again = await Self.outcome { _ = try await client.ping() }
            #expect(again == .connectionUnavailable)
        }
    }

    @Test("a host that never answers the connect: a request fails within its timeout, not later")
    func unreachable() async throws {
        // TEST-NET-1 (RFC 5737) is never routed: the connect either hangs until connectTimeout or fails at once.
        var configuration = Self.configuration([MongoServerAddress(host: "192.0.2.1", port: 27017)])
        configuration.connectTimeout = .seconds(2)
        configuration.requestTimeout = .seconds(3)
        try await withRunningClient(configuration, waitForConnection: false) { client in
            let clock = ContinuousClock()
            let start = clock.now
            let code = await Self.outcome { _ = try await client.ping() }
            #expect(code == .connectionUnavailable || code == .timeout)
            #expect(clock.now - start < .seconds(30))
        }
    }

    @Test("a dead seed before a live one: discovery moves on to the server that answers")
    func secondSeed() async throws {
        let server = try await TestMongoServer()
        let dead = MongoServerAddress(host: "127.0.0.1", port: try await TestMongoServer.unusedPort())
        try await server.whileRunning {
            try await withRunningClient(Self.configuration([dead, server.address])) { client in
                _ = try await client.ping()
                #expect(client.primaryAddress == server.address)
            }
        }
    }

    @Test("directConnection uses the one host as it is")
    func directConnection() async throws {
        let server = try await TestMongoServer()
        var configuration = Self.configuration([server.address])
        configuration.directConnection = true
        try await server.whileRunning {
            try await withRunningClient(configuration) { client in
                _ = try await client.ping()
                #expect(client.primaryAddress == server.address)
            }
        }
    }
}
