import Foundation
import Testing

@Suite("Telemetry: GET /telemetry/{device_id}/export")
struct TelemetryExportTests {
    /// Three points two minutes apart (the second with a bool and a text that CSV must quote), from 10 minutes ago.
    private func seed(_ api: TestAPI, _ device: TestDevice) async throws -> [Int64] {
        let start = TestTime.now() / 1000 * 1000 - 10 * TestTime.minute
        let times = [start, start + 2 * TestTime.minute, start + 4 * TestTime.minute]
        try await api.postBatch(
            device,
            [
                (times[0], ["temperature": 21.5, "humidity": 40]),
                (times[1], ["door": true, "note": "say \"hi\", then\nleave"]),
                (times[2], ["temperature": -3, "label": "plain"]),
            ])
        return times
    }

    @Test("CSV by default: a header, then one row per value, oldest first, keys in order, text quoted only when it must be")
    func csv() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let times = try await self.seed(api, device).map { TestTime.iso($0) }
            let response = try await api.get("/api/v1/telemetry/\(device.id)/export", auth: alice.bearer)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"device-\(device.id).csv\"")
            let expected = """
                timestamp,key,value
                \(times[0]),humidity,40
                \(times[0]),temperature,21.5
                \(times[1]),door,true
                \(times[1]),note,"say ""hi"", then
                leave"
                \(times[2]),label,plain
                \(times[2]),temperature,-3

                """
            #expect(response.text == expected)
        }
    }

    @Test("NDJSON: one JSON object per value with its type kept; keys and a range narrow it")
    func ndjson() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let times = try await self.seed(api, device)
            let response = try await api.get("/api/v1/telemetry/\(device.id)/export?format=ndjson", auth: device.key)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-ndjson")
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"device-\(device.id).ndjson\"")
            let lines = response.text.split(separator: "\n").map { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            #expect(lines.count == 6)
            #expect(lines[0] == ["timestamp": .string(TestTime.iso(times[0])), "key": "humidity", "value": 40])
            #expect(lines[2] == ["timestamp": .string(TestTime.iso(times[1])), "key": "door", "value": true])
            #expect(lines[3]?["value"].string == "say \"hi\", then\nleave")

            let start = TestTime.iso(times[1])
            let end = TestTime.iso(times[2] + 1)
            let narrowed = try await api.get(
                "/api/v1/telemetry/\(device.id)/export?format=ndjson&keys=temperature,door&start_time=\(start)&end_time=\(end)", auth: .adminToken)
            #expect(narrowed.status == .ok)
            let keys = narrowed.text.split(separator: "\n").compactMap {
                try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))["key"].string
            }
            #expect(keys == ["door", "temperature"])
        }
    }

    @Test("an export longer than a store page holds every value once, in order")
    func manyPages() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let start = TestTime.now() / 1000 * 1000 - TestTime.hour + TestTime.minute
            // 12,001 timestamps 100 ms apart: more than two pages of 5,000 entries.
            for batch in stride(from: 0, to: 12_001, by: 5000) {
                let points = (batch..<min(batch + 5000, 12_001)).map { (start + Int64($0) * 100, JSONValue.object(["v": .number(Double($0))])) }
                try await api.postBatch(device, points)
            }
            let response = try await api.get("/api/v1/telemetry/\(device.id)/export", auth: alice.bearer)
            #expect(response.status == .ok)
            let rows = response.text.split(separator: "\n").dropFirst()
            #expect(rows.count == 12_001)
            let values = rows.compactMap { $0.split(separator: ",").last.flatMap { Int($0) } }
            #expect(values == Array(0..<12_001))
        }
    }

    @Test("bad input is a JSON 400; others' devices 404; no credential 401")
    func refusals() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/telemetry/\(device.id)/export"
            for query in ["format=xml", "start_time=yesterday", "start_time=-1h&end_time=-2h", "keys=bad%20key"] {
                expectError(try await api.get("\(path)?\(query)", auth: alice.bearer), .badRequest)
            }
            expectError(try await api.get(path, auth: bob.bearer), .notFound)
            expectError(try await api.get("/api/v1/telemetry/999999/export", auth: alice.bearer), .notFound)
            expectError(try await api.get(path), .unauthorized)
            let other = try await api.registerDevice(bob, name: "bobs-probe")
            expectError(try await api.get(path, auth: other.key), .notFound)
        }
    }
}
