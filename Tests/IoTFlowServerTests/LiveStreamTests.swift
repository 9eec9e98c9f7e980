import Foundation
import Hummingbird
import HummingbirdTesting
import NIOWebSocket
import Testing

@testable import IoTFlowServer

/// What the live streams deliver (API.md "Live streams"), over real sockets with hummingbird-websocket's client:
/// points once committed, in timestamp order per device; group members as they change; pings; a bounded queue that
/// drops and says so; alerts to the three kinds of stream; and 1008 when the access goes away.
@Suite("Live streams: delivery")
struct LiveStreamTests {
    @Test("a point posted over HTTP arrives once, with its values, in timestamp order per device")
    func pointsArrive() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let stream = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: owner.bearer)
            let base = TestTime.now() - TestTime.minute
            // One request whose points are out of order, one key repeated at one timestamp (stored once, the later wins).
            let body: JSONValue = [
                "points": [
                    ["timestamp": .string(TestTime.iso(base + 2000)), "data": ["temperature": 22.5, "door": "open"]],
                    ["timestamp": .string(TestTime.iso(base)), "data": ["temperature": 20, "ok": true]],
                    ["timestamp": .string(TestTime.iso(base + 1000)), "data": ["temperature": 21]],
                    ["timestamp": .string(TestTime.iso(base + 1000)), "data": ["temperature": 21.25]],
                ]
            ]
            let posted = ContinuousClock.now
            try requireJSON(try await api.postTelemetry(device, body), .created)
            let acknowledged = ContinuousClock.now
            let frames = try await stream.waitForFrames(ofType: "telemetry", count: 3)
            #expect(frames.count == 3, "one frame per stored point: \(stream.texts)")
            #expect(frames.map { $0["timestamp"]?.string } == [TestTime.iso(base), TestTime.iso(base + 1000), TestTime.iso(base + 2000)])
            #expect(frames.allSatisfy { $0["device_id"]?.int == device.id })
            #expect(frames[0]["measurements"] == ["temperature": 20, "ok": true])
            #expect(frames[1]["measurements"] == ["temperature": 21.25])
            #expect(frames[2]["measurements"] == ["door": "open", "temperature": 22.5])
            #expect(frames.allSatisfy { $0.object?.keys.sorted() == ["device_id", "measurements", "timestamp", "type"] })
            if let arrival = stream.received.first(where: { $0.json["type"]?.string == "telemetry" })?.at {
                print("live stream: first frame \(arrival - acknowledged) after the 201 (\(acknowledged - posted) to get it)")
            }
            // A later single point follows, and nothing arrives twice.
            try await api.postPoint(device, ["temperature": 23], at: base + 3000)
            let all = try await stream.waitForFrames(ofType: "telemetry", count: 4)
            #expect(all.last?["timestamp"]?.string == TestTime.iso(base + 3000))
            #expect(stream.frames(ofType: "telemetry").count == 4)
            await stream.close()
        }
    }

    @Test("a group stream follows membership at once: an added device streams, a removed one stops")
    func groupMembership() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let first = try await api.registerDevice(owner, name: "first")
            let second = try await api.registerDevice(owner, name: "second")
            let group = try await api.createGroup(owner)
            try await api.addToGroup(owner, group, first)
            let stream = try await TestStream.open(port: port, "/api/v1/groups/\(group.id)/stream", auth: owner.bearer)
            try await api.postPoint(second, ["n": 1])
            try await api.postPoint(first, ["n": 2])
            try await stream.waitForFrames(ofType: "telemetry", count: 1)

            try await api.addToGroup(owner, group, second)
            try await api.postPoint(second, ["n": 3])
            try await stream.waitForFrames(ofType: "telemetry", count: 2)

            let removed = try await api.delete("/api/v1/groups/\(group.id)/devices/\(first.id)", auth: owner.bearer)
            try requireJSON(removed)
            try await api.postPoint(first, ["n": 4])
            try await api.postPoint(second, ["n": 5])
            let frames = try await stream.waitForFrames(ofType: "telemetry", count: 3)
            #expect(frames.map { $0["measurements"]?["n"]?.int } == [2, 3, 5], "got \(stream.texts)")
            #expect(frames.map { $0["device_id"]?.int } == [first.id, second.id, second.id])
            await stream.close()
        }
    }

    @Test("{\"type\":\"ping\"} is answered {\"type\":\"pong\"}; anything else is ignored")
    func pingPong() async throws {
        try await withLiveHub { port, _, api in
            let owner = try await api.registerUser("alice")
            let stream = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: owner.bearer)
            try await stream.send(#"{"type":"ping"}"#)
            try await stream.waitForFrames(ofType: "pong", count: 1)
            try await stream.send("not json")
            try await stream.send(#"{"type":"subscribe","device_id":1}"#)
            try await stream.send(#"["ping"]"#)
            try await stream.send(#"{"type":"ping","id":7}"#)
            try await stream.waitForFrames(ofType: "pong", count: 2)
            #expect(stream.texts == [#"{"type":"pong"}"#, #"{"type":"pong"}"#])
            #expect(!stream.isEnded)
            await stream.close()
        }
    }

    @Test("the server pings every interval: a client that does not answer is closed, one that answers stays open")
    func serverPings() async throws {
        try await withLiveHub({ $0.liveStreams.pingSeconds = 1 }) { port, _, api in
            let owner = try await api.registerUser("alice")
            let silent = try await SlowWebSocket.open(
                port: port, path: "/api/v1/alerts/stream", headers: [("Authorization", "Bearer \(owner.token)")])
            #expect(silent.head?.hasPrefix("HTTP/1.1 101") == true, "not upgraded: \(silent.head ?? "")")
            let answering = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: owner.bearer)
            try await waitFor("the client that does not answer pings is closed", timeout: .seconds(20)) { silent.isClosed }
            #expect(silent.pingCount >= 1)
            #expect(!answering.isEnded, "a client that answers pings was closed")
            await answering.close()
        }
    }

    @Test("a client that stops reading loses its oldest messages, is told how many, and never slows the writes")
    func slowConsumer() async throws {
        try await withLiveHub({ $0.liveStreams.queueCapacity = 16 }) { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let slow = try await SlowWebSocket.open(
                port: port, path: "/api/v1/telemetry/\(device.id)/stream", headers: [("Authorization", "Bearer \(owner.token)")])
            #expect(slow.head?.hasPrefix("HTTP/1.1 101") == true, "not upgraded: \(slow.head ?? "")")
            try await slow.pauseReading()
            let padding = String(repeating: "x", count: 1000)
            let base = TestTime.now() - TestTime.hour
            var posted = 0
            var slowest = Duration.zero
            for batch in 0..<20 {
                let points: [(Int64, JSONValue)] = (0..<40).map { index in
                    let n = batch * 40 + index
                    return (base + Int64(n) * 10, ["n": .number(Double(n)), "a": .string(padding), "b": .string(padding)])
                }
                let started = ContinuousClock.now
                try await api.postBatch(device, points)
                slowest = max(slowest, ContinuousClock.now - started)
                posted += points.count
            }
            print("live stream: slowest of 20 writes while a stream was stuck: \(slowest)")
            try await slow.resumeReading()
            // Every point is either delivered or counted as dropped.
            try await waitFor("\(posted) points delivered or reported dropped") {
                let frames = slow.textFrames.compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
                let delivered = frames.filter { $0["type"]?.string == "telemetry" }.count
                let dropped = frames.filter { $0["type"]?.string == "dropped" }.compactMap { $0["count"]?.int }.reduce(0, +)
                return delivered + dropped == posted
            }
            let frames = slow.textFrames.compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            let notices = frames.indices.filter { frames[$0]["type"]?.string == "dropped" }
            #expect(!notices.isEmpty, "a stuck client of a 16-message queue lost nothing of \(posted) points")
            for index in notices {
                #expect((frames[index]["count"]?.int ?? 0) >= 1)
                #expect(index + 1 < frames.count && frames[index + 1]["type"]?.string == "telemetry", "a dropped notice precedes the next frame")
            }
            let numbers = frames.compactMap { $0["measurements"]?["n"]?.int }
            #expect(numbers == numbers.sorted(), "frames are in order")
            #expect(numbers.last == posted - 1, "the newest point is kept")
            await slow.close()
        }
    }

    @Test("publish(alert:) reaches the device's stream, its groups' streams, its owner's and admins' alert streams, and no one else")
    func alerts() async throws {
        try await withLiveHub { port, hub, api in
            let owner = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let root = try await api.registerAdminUser()
            let device = try await api.registerDevice(owner)
            let bobDevice = try await api.registerDevice(bob, name: "bobs")
            let group = try await api.createGroup(owner)
            try await api.addToGroup(owner, group, device)
            let deviceStream = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: device.key)
            let groupStream = try await TestStream.open(port: port, "/api/v1/groups/\(group.id)/stream", auth: owner.bearer)
            let ownerAlerts = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: owner.bearer)
            let adminAlerts = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: root.bearer)
            let operatorAlerts = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: .adminToken)
            let bobAlerts = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: bob.bearer)

            hub.publish(alert: testAlert(id: 1, device: device, owner: owner))
            hub.publish(alert: testAlert(id: 2, device: bobDevice, owner: bob))
            var resolved = testAlert(id: 1, device: device, owner: owner, status: .resolved)
            resolved.resolvedAt = 1_764_000_060_000
            resolved.resolvedBy = .auto
            hub.publish(alert: resolved)

            for stream in [deviceStream, groupStream, ownerAlerts] {
                let frames = try await stream.waitForFrames(ofType: "alert", count: 2)
                #expect(frames.map { $0["alert"]?["id"]?.int } == [1, 1])
                #expect(frames.map { $0["alert"]?["status"]?.string } == ["active", "resolved"])
            }
            for stream in [adminAlerts, operatorAlerts] {
                let frames = try await stream.waitForFrames(ofType: "alert", count: 3)
                #expect(frames.map { $0["alert"]?["id"]?.int } == [1, 2, 1])
            }
            let bobs = try await bobAlerts.waitForFrames(ofType: "alert", count: 1)
            #expect(bobs.map { $0["alert"]?["id"]?.int } == [2])

            let alert = try #require(ownerAlerts.frames(ofType: "alert").first?["alert"])
            let expected: JSONValue = [
                "id": 1, "rule_id": 7, "rule_name": "Too hot", "type": "threshold", "device_id": .number(Double(device.id)),
                "device_name": .string(device.name), "user_id": .string(owner.userID), "key": "temperature", "operator": "gt", "threshold": 30,
                "value": 31.5, "severity": "warning", "status": "active", "message": "temperature 31.5 > 30",
                "triggered_at": "2025-11-24T16:00:00.123Z", "last_value_at": "2025-11-24T16:00:00.123Z", "acknowledged_at": nil,
                "resolved_at": nil, "resolved_by": nil, "note": nil,
            ]
            #expect(alert == expected)
            let second = try #require(ownerAlerts.frames(ofType: "alert").last?["alert"])
            #expect(second["resolved_at"]?.string == "2025-11-24T16:01:00.000Z" && second["resolved_by"]?.string == "auto")
            // Streams that may not see bob's alert only ever got alice's.
            #expect(deviceStream.frames(ofType: "alert").count == 2 && groupStream.frames(ofType: "alert").count == 2)
            for stream in [deviceStream, groupStream, ownerAlerts, adminAlerts, operatorAlerts, bobAlerts] { await stream.close() }
        }
    }
}
