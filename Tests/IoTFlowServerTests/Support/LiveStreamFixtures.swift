import Foundation
import Hummingbird
import HummingbirdTesting
import IoTFlowCore
import Testing

@testable import IoTFlowServer

/// A live server (real sockets, every answer held to the OpenAPI document) with its live hub, for the stream tests.
/// `test` gets the port, the hub (to publish alerts as the alert evaluator will) and an API client over loopback.
/// With `testStores` (the default) the stores are those of the test pass (``withTestStores(_:_:)``); without, the
/// configuration is used as `configure` left it.
func withLiveHub(
    testStores: Bool = true,
    _ configure: @Sendable (inout AppConfiguration) -> Void = { _ in },
    _ test: @Sendable (_ port: Int, _ hub: LiveHub, _ api: TestAPI) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var config = testConfiguration(directory: directory.path)
    configure(&config)
    func run(_ config: AppConfiguration) async throws {
        let parts = try await buildApplicationParts(configuration: config, clock: SystemWallClock())
        let hub = try #require(parts.services.lazy.compactMap { $0 as? LiveHub }.first, "the application has no live hub")
        try await makeApplication(parts, configuration: config).test(.live) { client in
            let port = try #require(client.port, "the live test client has no port")
            try await test(port, hub, TestAPI(client: client))
        }
    }
    if testStores {
        try await withTestStores(config, run)
    } else {
        try await run(config)
    }
}

/// The answer to an upgrade request that the server refused, read from a raw connection: its status and JSON body.
struct RefusedUpgrade {
    let status: Int
    let json: JSONValue?
    let text: String
}

/// Sends a WebSocket upgrade request for `path` with `headers` and reads the answer, which must not be an upgrade.
/// `handshake` are the WebSocket headers (a valid key and version by default).
func refusedUpgrade(
    port: Int, _ path: String, headers: [(String, String)] = [],
    handshake: String = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RefusedUpgrade {
    let connection = try await RawConnection.open(port: port)
    var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + handshake
    for (name, value) in headers { request += "\(name): \(value)\r\n" }
    await connection.send(request + "\r\n")
    // A refused upgrade is answered with `Connection: close`: the whole answer is in once the server closes.
    let closed = try await connection.waitUntilClosed(timeout: .seconds(30))
    #expect(closed, "the server did not close the connection after refusing the upgrade", sourceLocation: sourceLocation)
    let text = connection.received
    await connection.close()
    let statusLine = text.prefix { $0 != "\r" }
    let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return RefusedUpgrade(status: status, json: try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)), text: text)
}

/// Requires a refused upgrade with `status` and the API's JSON error body.
func expectRefused(
    port: Int, _ path: String, headers: [(String, String)] = [], handshake: String? = nil, _ status: Int,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let answer =
        if let handshake {
            try await refusedUpgrade(port: port, path, headers: headers, handshake: handshake, sourceLocation: sourceLocation)
        } else {
            try await refusedUpgrade(port: port, path, headers: headers, sourceLocation: sourceLocation)
        }
    #expect(answer.status == status, "expected \(status) for \(path), got: \(answer.text)", sourceLocation: sourceLocation)
    #expect(answer.text.lowercased().contains("content-type: application/json"), "not JSON: \(answer.text)", sourceLocation: sourceLocation)
    #expect(answer.json?["error"]?.string?.isEmpty == false, "no `error` in \(answer.text)", sourceLocation: sourceLocation)
    #expect(answer.json?["message"]?.string?.isEmpty == false, "no `message` in \(answer.text)", sourceLocation: sourceLocation)
}

/// An alert value as the alert evaluator will publish it.
func testAlert(id: Int64, device: TestDevice, owner: TestUser, status: AlertStatus = .active, value: Double = 31.5) -> Alert {
    Alert(
        id: id, ruleID: 7, ruleName: "Too hot", type: .threshold, deviceID: Int64(device.id), deviceName: device.name, userPublicID: owner.userID,
        key: "temperature", comparison: .gt, threshold: 30, value: value, severity: .warning, status: status,
        message: "temperature \(value) > 30", triggeredAt: 1_764_000_000_123, lastValueAt: 1_764_000_000_123
    )
}
