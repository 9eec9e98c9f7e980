import Foundation
import HTTPTypes
import HummingbirdTesting
import IoTFlowServer
import NIOCore
import Testing

/// Rules a review found missing: the body limit on every route, the key bound per device, and server stamps
/// that never collide.
@Suite("Request hardening")
struct RequestHardeningTests {
    static let tooLarge = String(repeating: "x", count: 5 * 1024 * 1024)

    @Test(
        "a body over 4 MiB is 413 on every route, also on routes that read no body",
        arguments: [
            (HTTPRequest.Method.post, "/api/v1/auth/logout"), (.post, "/api/v1/devices/heartbeat"), (.get, "/health"), (.get, "/status"),
            (.get, "/api/v1/users"), (.post, "/api/v1/telemetry"), (.post, "/api/v1/auth/login"), (.delete, "/api/v1/telemetry/1"),
        ])
    func bodyLimitEverywhere(method: HTTPRequest.Method, path: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let auth: Credential = path.contains("heartbeat") || path == "/api/v1/telemetry" ? device.key : alice.bearer
            expectError(try await api.request(method, path, auth: auth, body: Self.tooLarge), .contentTooLarge)
            // Nothing happened: the token still works and the device was not seen.
            let status = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/status", auth: alice.bearer))
            #expect(status["is_online"].bool == false)
        }
    }

    @Test("a device may have at most IOTFLOW_MAX_KEYS_PER_DEVICE distinct keys; a request adding more is 400 and stores nothing")
    func keyBound() async throws {
        try await withConfiguredApp({ $0.maxKeysPerDevice = 4 }) { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let other = try await api.registerDevice(alice, name: "other")
            try await api.postPoint(device, ["a": 1, "b": 2, "c": 3])
            expectError(try await api.postTelemetry(device, ["data": ["a": 10, "d": 4, "e": 5]]), .badRequest)
            expectError(try await api.postTelemetry(device, ["points": [["data": ["d": 4]], ["data": ["e": 5]]]]), .badRequest)
            let latest = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: alice.bearer))
            #expect(latest["latest_data"].keys == ["a", "b", "c"], "the rejected requests stored nothing")
            // Known keys are always fine, one more fits, and the bound is per device.
            try await api.postPoint(device, ["a": 11, "b": 12, "c": 13, "d": 14])
            expectError(try await api.postTelemetry(device, ["data": ["e": 5]]), .badRequest)
            try await api.postPoint(other, ["v": 1, "w": 2, "x": 3, "y": 4])
            // Deleting every value of a key frees its place.
            let deleted = try await api.delete("/api/v1/telemetry/\(device.id)?start_time=0&stop_time=now&keys=d", auth: alice.bearer)
            try requireJSON(deleted)
            try await api.postPoint(device, ["e": 5])
        }
    }

    @Test("server-stamped points of one device never share a timestamp, also from concurrent requests")
    func serverStampsAreDistinct() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let perTask = 100
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for index in 0..<perTask {
                            try requireJSON(try await api.postTelemetry(device, ["data": ["v": .number(Double(task * perTask + index))]]), .created)
                        }
                    }
                }
                try await group.waitForAll()
            }
            // A batch of undated points gets consecutive milliseconds too.
            let batch = try requireJSON(
                try await api.postTelemetry(device, ["points": [["data": ["v": -1]], ["data": ["v": -2]], ["data": ["v": -3]]]]), .created)
            #expect(batch["values"].int == 3)
            // Stamps may run ahead of the clock when many points arrive in one millisecond: read a minute ahead.
            let end = TestTime.now() + TestTime.minute
            let history = try requireJSON(
                try await api.get("/api/v1/telemetry/\(device.id)?start_time=-1h&end_time=\(end)&limit=10000", auth: alice.bearer))
            let values = Set(history["data"].array?.compactMap { $0["measurements"]["v"].int } ?? [])
            #expect(values.count == 8 * perTask + 3, "every acknowledged point is stored: \(values.count)")
        }
    }
}
