import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import IoTFlowServer

/// Who may open which live stream (API.md "Live streams"): every refusal is the usual JSON answer, sent before any
/// upgrade, with the same rules as the REST routes (404 for what the caller may not see).
@Suite("Live streams: access")
struct LiveStreamAccessTests {
    @Test("without, or with a bad, credential each stream is 401 before the upgrade; a wrong admin token is 403; no upgrade is 400")
    func unauthenticated() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let group = try await api.createGroup(owner)
            let paths = ["/api/v1/telemetry/\(device.id)/stream", "/api/v1/groups/\(group.id)/stream", "/api/v1/alerts/stream"]
            for path in paths {
                try await expectRefused(port: port, path, 401)
                try await expectRefused(port: port, path, headers: [("Authorization", "Bearer not-a-token")], 401)
                try await expectRefused(port: port, path + "?token=not-a-token", 401)
                // A plain GET is not a stream.
                expectError(try await api.get(path, auth: owner.bearer), .badRequest)
            }
            try await expectRefused(port: port, paths[0], headers: [("X-API-Key", "not-a-key-0123456789abcdef0123456789")], 401)
            try await expectRefused(port: port, paths[0], headers: [("Authorization", "admin wrong-token")], 403)
            try await expectRefused(port: port, paths[2], headers: [("Authorization", "admin wrong-token")], 403)
            // The group stream is its owner's: the admin token and a device key are the wrong kind of credential.
            try await expectRefused(port: port, paths[1], headers: [("Authorization", "admin \(TestServer.adminToken)")], 401)
            try await expectRefused(port: port, paths[1], headers: [("X-API-Key", device.apiKey)], 401)
            try await expectRefused(port: port, paths[2], headers: [("X-API-Key", device.apiKey)], 401)
        }
    }

    @Test("an invalid handshake (no key, another protocol version) is a JSON 400 before anything else")
    func invalidHandshake() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let bearer = [("Authorization", "Bearer \(owner.token)")]
            try await expectRefused(port: port, "/api/v1/alerts/stream", headers: bearer, handshake: "Sec-WebSocket-Version: 13\r\n", 400)
            let version12 = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 12\r\n"
            try await expectRefused(port: port, "/api/v1/alerts/stream", headers: bearer, handshake: version12, 400)
            try await expectRefused(port: port, "/api/v1/alerts/stream", handshake: version12, 400)
        }
    }

    @Test("another user's device or group is 404, as is another device; unknown ids are 404")
    func invisible() async throws {
        try await withLiveHub { port, _, api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let other = try await api.registerDevice(alice, name: "sensor-2")
            let group = try await api.createGroup(alice)
            let bobAuth = [("Authorization", "Bearer \(bob.token)")]
            try await expectRefused(port: port, "/api/v1/telemetry/\(device.id)/stream", headers: bobAuth, 404)
            try await expectRefused(port: port, "/api/v1/groups/\(group.id)/stream", headers: bobAuth, 404)
            try await expectRefused(port: port, "/api/v1/telemetry/\(device.id)/stream?token=\(bob.token)", 404)
            try await expectRefused(port: port, "/api/v1/telemetry/\(device.id)/stream", headers: [("X-API-Key", other.apiKey)], 404)
            try await expectRefused(port: port, "/api/v1/telemetry/999999/stream", headers: [("Authorization", "Bearer \(alice.token)")], 404)
            try await expectRefused(port: port, "/api/v1/groups/999999/stream", headers: [("Authorization", "Bearer \(alice.token)")], 404)
            // An admin user sees every device, but a group stream stays its owner's.
            let root = try await api.registerAdminUser()
            try await expectRefused(port: port, "/api/v1/groups/\(group.id)/stream", headers: [("Authorization", "Bearer \(root.token)")], 404)
        }
    }

    @Test("the device's key, its owner (header or ?token=), an admin user and the admin token open the device stream")
    func allowed() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let root = try await api.registerAdminUser()
            let path = "/api/v1/telemetry/\(device.id)/stream"
            let streams = [
                try await TestStream.open(port: port, path, auth: device.key),
                try await TestStream.open(port: port, path, auth: owner.bearer),
                try await TestStream.open(port: port, path + "?token=\(owner.token)"),
                try await TestStream.open(port: port, path, auth: root.bearer),
                try await TestStream.open(port: port, path, auth: .adminToken),
            ]
            try await api.postPoint(device, ["t": .number(1)])
            for stream in streams {
                let frames = try await stream.waitForFrames(ofType: "telemetry", count: 1)
                #expect(frames.first?["device_id"]?.int == device.id)
            }
            for stream in streams { await stream.close() }
            // The owner's group and alert streams open too, with the bearer token or ?token=.
            let group = try await api.createGroup(owner)
            await (try await TestStream.open(port: port, "/api/v1/groups/\(group.id)/stream", auth: owner.bearer)).close()
            await (try await TestStream.open(port: port, "/api/v1/groups/\(group.id)/stream?token=\(owner.token)")).close()
            await (try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: owner.bearer)).close()
            await (try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: .adminToken)).close()
        }
    }

    @Test("a token in ?token= is never logged nor put in metrics")
    func queryTokenStaysOut() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let stream = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream?token=\(owner.token)")
            try await expectRefused(port: port, "/api/v1/telemetry/\(device.id)/stream?token=\(owner.token)x", 401)
            let metrics = try await api.get("/metrics")
            #expect(metrics.status == .ok)
            #expect(!metrics.text.contains(owner.token), "the token shows in /metrics")
            #expect(metrics.text.contains("stream"), "stream requests are not in /metrics at all")
            await stream.close()
        }
    }
}
