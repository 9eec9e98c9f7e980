import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IoTFlowServer
import NIOCore
import Testing

/// Slow and greedy clients against a live server over loopback. Each test makes the timeout under test short
/// (1–3 s) and the others long, so only the rule under test can close a connection within `patience`.
@Suite("Slow clients: header, body and idle timeouts, and the connection limit")
struct SlowClientTests {
    /// How long a test waits for something due after a second or two; generous for a loaded 2-core machine.
    static let patience: Duration = .seconds(20)
    /// Slack for the client seeing the connection open a little after the server started its timer.
    static let slack: Duration = .milliseconds(300)
    /// Slack for idle timeouts, measured from the client's receipt of the last response: on a loaded machine
    /// that receipt came 360 ms after the server handed the response over and started the idle timer.
    static let idleSlack: Duration = .seconds(1)

    /// Only the header timeout is short.
    static func shortHeaderTimeout(_ config: inout AppConfiguration) {
        config.connectionLimits.headerTimeoutSeconds = 1
        config.connectionLimits.idleTimeoutSeconds = 600
        config.requestTimeoutSeconds = 600
    }

    @Test("a connection trickling a request head is closed after about the header timeout")
    func tricklingHead() async throws {
        try await withLiveApp(Self.shortHeaderTimeout) { port, _ in
            let connection = try await RawConnection.open(port: port)
            // A byte every 100 ms: the connection is never quiet for long, only its head never ends.
            let head = "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + String(repeating: "a", count: 10_000)
            let trickle = Task { try await connection.trickle(head, every: .milliseconds(100)) }
            defer { trickle.cancel() }
            #expect(try await connection.waitUntilClosed(timeout: Self.patience), "a trickling head was still open after \(Self.patience)")
            let lifetime = try #require(connection.closedAt) - connection.openedAt
            #expect(lifetime >= .seconds(1) - Self.slack, "closed after \(lifetime), before the 1 s header timeout")
            #expect(connection.responseCount == 0)
        }
    }

    @Test("a connection that sends nothing is closed after about the header timeout")
    func silentConnection() async throws {
        try await withLiveApp(Self.shortHeaderTimeout) { port, _ in
            let connection = try await RawConnection.open(port: port)
            #expect(try await connection.waitUntilClosed(timeout: Self.patience), "a silent connection was still open after \(Self.patience)")
            let lifetime = try #require(connection.closedAt) - connection.openedAt
            #expect(lifetime >= .seconds(1) - Self.slack, "closed after \(lifetime), before the 1 s header timeout")
        }
    }

    @Test("a keep-alive client making a request every 0.5 s stays open, pipelining included, until it is idle for the idle timeout")
    func keepAliveClient() async throws {
        try await withLiveApp({ config in
            config.connectionLimits.headerTimeoutSeconds = 1
            config.connectionLimits.idleTimeoutSeconds = 3
            config.requestTimeoutSeconds = 600
        }) { port, _ in
            let connection = try await RawConnection.open(port: port)
            // A request every 0.5 s for 4 s (four header timeouts, more than one idle timeout), then three pipelined in one write.
            var writes = (0..<8).map { (after: TimeAmount.milliseconds(500 * Int64($0)), text: RawConnection.request()) }
            writes.append((after: .milliseconds(4000), text: String(repeating: RawConnection.request(), count: 3)))
            connection.schedule(writes)
            #expect(try await connection.waitForResponses(11), "\(connection.responseCount) of 11 answered: \(connection.received.suffix(300))")

            #expect(
                try await connection.waitUntilClosed(timeout: Self.patience), "the connection was still open \(Self.patience) after its last request")
            let idle = try #require(connection.closedAt) - (connection.lastReceivedAt ?? connection.openedAt)
            // Above the 1 s header timeout even with the slack, so the idle timeout is the one that closed it.
            #expect(idle >= .seconds(3) - Self.idleSlack, "closed after \(idle) idle, before the 3 s idle timeout")
            #expect(connection.responseCount == 11)
        }
    }

    @Test("on a keep-alive connection the next head must arrive within the header timeout of its first byte")
    func tricklingNextHead() async throws {
        try await withLiveApp(Self.shortHeaderTimeout) { port, _ in
            // On a machine busy with the whole test run, opening a connection and writing to it can take longer than
            // the 1 s header timeout, which then rightly closes it before the first request: open another.
            var opened: RawConnection?
            for _ in 0..<5 where opened == nil {
                let candidate = try await RawConnection.open(port: port)
                if await candidate.sendRequest(), try await candidate.waitForResponses(1) { opened = candidate }
            }
            let connection = try #require(opened, "no connection got its first request in before the header timeout in 5 tries")
            // Quiet for longer than the header timeout: between requests the header clock is not running.
            try await Task.sleep(for: .milliseconds(1500))
            #expect(await connection.sendRequest())
            #expect(try await connection.waitForResponses(2), "the request after a pause got no answer")

            let firstByte = ContinuousClock.now
            let head = "GET /health HTTP/1.1\r\nX-Slow: " + String(repeating: "a", count: 10_000)
            let trickle = Task { try await connection.trickle(head, every: .milliseconds(100)) }
            defer { trickle.cancel() }
            #expect(try await connection.waitUntilClosed(timeout: Self.patience), "a trickling second head was still open after \(Self.patience)")
            let elapsed = try #require(connection.closedAt) - firstByte
            #expect(elapsed >= .seconds(1) - Self.slack, "closed \(elapsed) after the head's first byte, before the 1 s header timeout")
            #expect(connection.responseCount == 2)
        }
    }

    @Test("a request body that trickles is closed at the request deadline, whether or not its handler reads it")
    func tricklingBody() async throws {
        try await withLiveApp({ config in
            config.connectionLimits.headerTimeoutSeconds = 600
            config.connectionLimits.idleTimeoutSeconds = 600
            config.requestTimeoutSeconds = 2
        }) { port, _ in
            // Login reads its body, so the handler's own deadline stops it; /health answers without reading,
            // and Hummingbird then reads the rest of the body before the next request, however slowly it comes.
            let heads = [
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n",
                "GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000\r\n\r\n",
            ]
            var connections: [(RawConnection, ContinuousClock.Instant)] = []
            var trickles: [Task<Void, any Error>] = []
            defer { for trickle in trickles { trickle.cancel() } }
            for head in heads {
                let connection = try await RawConnection.open(port: port)
                let headSent = ContinuousClock.now
                #expect(await connection.send(head))
                connections.append((connection, headSent))
                trickles.append(Task { try await connection.trickle(String(repeating: " ", count: 10_000), every: .milliseconds(100)) })
            }
            for ((connection, headSent), head) in zip(connections, heads) {
                let request = head.prefix(while: { $0 != "\r\n" })
                #expect(
                    try await connection.waitUntilClosed(timeout: Self.patience), "\(request): a trickling body was still open after \(Self.patience)"
                )
                let elapsed = try #require(connection.closedAt) - headSent
                #expect(elapsed >= .seconds(2) - Self.slack, "\(request): closed \(elapsed) after the head, before the 2 s request deadline")
            }
        }
    }

    @Test("an idle keep-alive connection is closed after about the idle timeout")
    func idleConnection() async throws {
        try await withLiveApp({ config in
            config.connectionLimits.headerTimeoutSeconds = 600
            config.connectionLimits.idleTimeoutSeconds = 2
            config.requestTimeoutSeconds = 600
        }) { port, _ in
            let connection = try await RawConnection.open(port: port)
            #expect(await connection.sendRequest())
            #expect(try await connection.waitForResponses(1))
            #expect(try await connection.waitUntilClosed(timeout: Self.patience), "an idle connection was still open after \(Self.patience)")
            let idle = try #require(connection.closedAt) - (connection.lastReceivedAt ?? connection.openedAt)
            #expect(idle >= .seconds(2) - Self.idleSlack, "closed after \(idle) idle, before the 2 s idle timeout")
        }
    }

    @Test("beyond the connection limit a connection is closed at once; the others stay usable and a freed slot is reused")
    func connectionLimit() async throws {
        let limit = 8
        try await withLiveApp({ config in
            config.connectionLimits.headerTimeoutSeconds = 600
            config.connectionLimits.idleTimeoutSeconds = 600
            config.connectionLimits.maxConnections = limit
        }) { port, client in
            // The live test client's own connection is the first; one answer proves it is counted.
            #expect(try await client.executeRequest(uri: "/health", method: .get, headers: [:], body: nil).status == .ok)
            var open: [RawConnection] = []
            for index in 1..<limit {
                let connection = try await RawConnection.open(port: port)
                #expect(await connection.sendRequest())
                try #require(try await connection.waitForResponses(1), "connection \(index + 1) of \(limit) got no answer")
                open.append(connection)
            }

            let refused = try await RawConnection.open(port: port)
            await refused.sendRequest()
            #expect(try await refused.waitUntilClosed(timeout: Self.patience), "connection \(limit + 1) was not closed")
            let lifetime = try #require(refused.closedAt) - refused.openedAt
            #expect(lifetime < .seconds(5), "connection \(limit + 1) took \(lifetime) to close")
            #expect(refused.responseCount == 0, "connection \(limit + 1) was answered: \(refused.received.prefix(200))")

            for (index, connection) in open.enumerated() {
                #expect(await connection.sendRequest())
                #expect(try await connection.waitForResponses(2), "connection \(index + 2) stopped answering")
            }

            // Closing one frees a slot as soon as the server has seen the close.
            await open.removeFirst().close()
            var replacement: RawConnection?
            let deadline = ContinuousClock.now + Self.patience
            while replacement == nil, ContinuousClock.now < deadline {
                let candidate = try await RawConnection.open(port: port)
                await candidate.sendRequest()
                if try await candidate.waitForResponses(1) { replacement = candidate }
            }
            #expect(replacement != nil, "no connection was accepted after one closed")

            let metrics = try await client.executeRequest(uri: "/metrics", method: .get, headers: [:], body: nil)
            let text = String(buffer: metrics.body)
            #expect(text.contains(#"iotflow_connections_closed_total{reason="over_limit"}"#), "no over_limit count in /metrics")
            #expect(text.contains("iotflow_connections_open"), "no open-connection gauge in /metrics")

            for connection in open { await connection.close() }
            await replacement?.close()
        }
    }
}
