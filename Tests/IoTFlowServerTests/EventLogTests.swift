import Foundation
import HummingbirdTesting
import IoTFlowCore
import IoTFlowServer
import IoTFlowStorage
import Logging
import Testing

/// The actions of this scope leave events in the SQLite event store, written in the background.
@Suite("Event log")
struct EventLogTests {
    @Test("user, device and telemetry actions are recorded with the user they are about")
    func actionsAreRecorded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = baseTestConfiguration(directory: directory.path)
        let app = try await buildApplication(configuration: config)
        let ids = try await app.test(.router) { client -> (userID: String, otherID: String, deviceID: Int) in
            let api = TestAPI(client: client)
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            _ = try await api.login("alice", "password123")
            let device = try await api.registerDevice(alice)
            // Three submissions within one second coalesce into one telemetry.submitted event.
            for value in 1...3 {
                try await api.postPoint(device, ["t": .number(Double(value))])
            }
            try requireJSON(try await api.put("/api/v1/devices/\(device.id)", auth: alice.bearer, json: ["location": "roof"]))
            try requireJSON(try await api.post("/api/v1/devices/\(device.id)/rotate-key", auth: alice.bearer))
            try requireJSON(try await api.patch("/api/v1/users/\(bob.userID)/deactivate", auth: .adminToken))
            try requireJSON(try await api.patch("/api/v1/users/\(bob.userID)/activate", auth: .adminToken))
            try requireJSON(try await api.delete("/api/v1/devices/\(device.id)", auth: alice.bearer))
            return (alice.userID, bob.userID, device.id)
        }
        // The app has shut down, so the event writer has flushed; read the file directly.
        let database = try await SQLiteDatabaseFile.open(path: directory.appendingPathComponent("iotflow.sqlite").path, logger: Logger(label: "test"))
        let store = EventSQLiteStore(database: database)
        let aliceEvents = try await store.events(EventQuery(userPublicID: ids.userID, limit: 1000)).events
        let types = Set(aliceEvents.map(\.type))
        for expected in [
            EventType.userRegistered, EventType.userLogin, EventType.deviceRegistered, EventType.telemetrySubmitted, EventType.deviceUpdated,
            EventType.deviceKeyRotated, EventType.deviceDeleted,
        ] {
            #expect(types.contains(expected), "missing \(expected) in \(types.sorted())")
        }
        let submitted = aliceEvents.filter { $0.type == EventType.telemetrySubmitted }
        let totalCount = submitted.reduce(Int64(0)) { total, event in
            if case .int(let count)? = event.details["count"] { return total + count }
            return total
        }
        #expect(totalCount == 3, "the three submissions are counted once each across coalesced events")
        #expect(submitted.count < 3 || submitted.allSatisfy { $0.deviceID == Int64(ids.deviceID) })
        #expect(aliceEvents.filter { $0.type == EventType.deviceRegistered }.first?.deviceID == Int64(ids.deviceID))

        let bobTypes = try await store.events(EventQuery(userPublicID: ids.otherID, limit: 100)).events.map(\.type)
        #expect(bobTypes.contains(EventType.userDeactivated))
        #expect(bobTypes.contains(EventType.userActivated))
        #expect(!bobTypes.contains(EventType.deviceRegistered))
        await database.close()
    }
}
