import Foundation
import Hummingbird
import HummingbirdTesting
import NIOWebSocket
import Testing

@testable import IoTFlowServer

/// A stream closes with 1008 (policy violation) as soon as what it rests on goes away: its device or group is
/// deleted, its token is logged out, its user deactivated, its device key rotated. Streams that still have access
/// stay open.
@Suite("Live streams: revocation")
struct LiveStreamRevocationTests {
    @Test("deleting the device closes its streams with 1008")
    func deviceDeleted() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let group = try await api.createGroup(owner)
            try await api.addToGroup(owner, group, device)
            let byOwner = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: owner.bearer)
            let byKey = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: device.key)
            let groupStream = try await TestStream.open(port: port, "/api/v1/groups/\(group.id)/stream", auth: owner.bearer)
            try requireJSON(try await api.delete("/api/v1/devices/\(device.id)", auth: owner.bearer))
            for stream in [byOwner, byKey] {
                let close = try await stream.waitForClose()
                #expect(close?.closeCode == .policyViolation, "closed with \(String(describing: close))")
            }
            // The group lost a member, not its existence: its stream stays open.
            #expect(!groupStream.isEnded)
            await groupStream.close()
        }
    }

    @Test("deleting the group closes its stream with 1008")
    func groupDeleted() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let group = try await api.createGroup(owner)
            let stream = try await TestStream.open(port: port, "/api/v1/groups/\(group.id)/stream", auth: owner.bearer)
            try requireJSON(try await api.delete("/api/v1/groups/\(group.id)", auth: owner.bearer))
            #expect(try await stream.waitForClose()?.closeCode == .policyViolation)
        }
    }

    @Test("logging out closes the token's streams (header or ?token=) with 1008; another session's stays open")
    func logout() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let other = try await api.relogin(owner)
            let byHeader = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: owner.bearer)
            let byQuery = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream?token=\(owner.token)")
            let otherSession = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: other.bearer)
            try requireJSON(try await api.post("/api/v1/auth/logout", auth: owner.bearer))
            #expect(try await byHeader.waitForClose()?.closeCode == .policyViolation)
            #expect(try await byQuery.waitForClose()?.closeCode == .policyViolation)
            try await api.postPoint(device, ["t": 1])
            try await otherSession.waitForFrames(ofType: "telemetry", count: 1)
            #expect(!otherSession.isEnded)
            await otherSession.close()
        }
    }

    @Test("rotating the device key closes the streams opened with the old key with 1008; the owner's stays open")
    func keyRotated() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let byKey = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: device.key)
            let byOwner = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: owner.bearer)
            let rotated = try requireJSON(try await api.post("/api/v1/devices/\(device.id)/rotate-key", auth: owner.bearer))
            #expect(try await byKey.waitForClose()?.closeCode == .policyViolation)
            let newKey = try #require(rotated["api_key"]?.string ?? rotated["device"]?["api_key"]?.string)
            try requireJSON(try await api.post("/api/v1/telemetry", auth: .apiKey(newKey), json: ["data": ["t": 1]]), .created)
            try await byOwner.waitForFrames(ofType: "telemetry", count: 1)
            #expect(!byOwner.isEnded)
            await byOwner.close()
        }
    }

    @Test("deactivating a user closes their streams with 1008")
    func userDeactivated() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let group = try await api.createGroup(owner)
            let alerts = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: owner.bearer)
            let groupStream = try await TestStream.open(port: port, "/api/v1/groups/\(group.id)/stream", auth: owner.bearer)
            try requireJSON(try await api.put("/api/v1/users/\(owner.userID)", auth: .adminToken, json: ["is_active": false]))
            #expect(try await alerts.waitForClose()?.closeCode == .policyViolation)
            #expect(try await groupStream.waitForClose()?.closeCode == .policyViolation)
        }
    }
}
