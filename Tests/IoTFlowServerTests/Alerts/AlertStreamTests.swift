import Testing

@Suite("Alerts on live streams")
struct AlertStreamTests {
    @Test("an alert fired by a point posted over HTTP, then acknowledged and resolved, reaches the alert and device streams")
    func alertTransitionsStream() async throws {
        try await withLiveHub { port, _, api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            try await api.createThresholdRule(alice, device: device)
            let alerts = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: alice.bearer)
            let deviceStream = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: device.key)
            let bobs = try await TestStream.open(port: port, "/api/v1/alerts/stream", auth: bob.bearer)
            try await api.postPoint(device, ["t": 42])
            let fired = try await alerts.waitForFrames(ofType: "alert", count: 1)
            let id = try #require(fired.first?["alert"]?["id"]?.int)
            #expect(fired.first?["alert"]?["status"]?.string == "active")
            #expect(fired.first?["alert"]?["value"]?.int == 42)
            try requireJSON(try await api.post("/api/v1/alerts/\(id)/acknowledge", auth: alice.bearer, json: [:]))
            try requireJSON(try await api.post("/api/v1/alerts/\(id)/resolve", auth: alice.bearer, json: ["note": "fixed"]))
            let all = try await alerts.waitForFrames(ofType: "alert", count: 3)
            #expect(all.map { $0["alert"]?["status"]?.string } == ["active", "acknowledged", "resolved"])
            #expect(all.last?["alert"]?["resolved_by"]?.string == "user")
            let onDevice = try await deviceStream.waitForFrames(ofType: "alert", count: 3)
            #expect(onDevice.map { $0["alert"]?["id"]?.int } == [id, id, id])
            // Each alert is handed to every matching stream at once, so by now Bob's would have had it too.
            #expect(bobs.frames(ofType: "alert").isEmpty)
            await alerts.close()
            await deviceStream.close()
            await bobs.close()
        }
    }
}
