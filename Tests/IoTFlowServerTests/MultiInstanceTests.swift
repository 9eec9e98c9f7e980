import Foundation
import Hummingbird
import HummingbirdTesting
import IoTFlowServer
import Testing

/// Two server instances on one PostgreSQL database, as when scaling out: what one instance changes,
/// the other sees at once (API.md: a rotated key "stops working at once, on every server instance").
@Suite("Two instances on one PostgreSQL database")
struct MultiInstanceTests {
    @Test("a key rotated through one instance fails at once on the other; latest values agree")
    func rotationAndLatestAcrossInstances() async throws {
        try await withTwoInstances { one, two in
            let owner = try await one.registerUser("alice")
            let device = try await one.registerDevice(owner)
            // The second instance authenticates (and would cache) the device and reads its latest values.
            try await two.postPoint(device, ["t": .number(1)])
            try requireJSON(try await two.get("/api/v1/telemetry/\(device.id)/latest", auth: device.key))

            try await one.postPoint(device, ["t": .number(2)])
            let latest = try requireJSON(try await two.get("/api/v1/telemetry/\(device.id)/latest", auth: device.key))
            #expect(latest["latest_data"]["t"].double == 2, "a value written through one instance is the latest on the other")

            try requireJSON(try await one.post("/api/v1/devices/\(device.id)/rotate-key", auth: owner.bearer))
            expectError(try await two.postTelemetry(device, ["data": ["t": .number(3)]]), .unauthorized)
        }
    }
}
