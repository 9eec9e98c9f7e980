import Foundation
import IoTFlowCore
import NIOCore
import NIOHTTP1

/// The bench's own user and devices on the server under test, and the scenarios run against it.
struct BenchSession: Sendable {
    /// A device the bench registered, with its key.
    struct Device: Sendable {
        let id: Int
        let key: String
    }

    let generator: LoadGenerator
    let client: BenchHTTPClient
    let token: String
    let userID: String
    /// One device per write connection.
    let devices: [Device]
    /// The device holding 24 h of 1 Hz data.
    let historyDevice: Device
    /// Start of the current UTC day, epoch ms: write scenarios place their points on earlier days.
    let today: Int64

    static let day: Int64 = 86_400_000

    var authority: String { self.generator.authority }

    /// Registers a user and `deviceCount` + 1 devices, and gives every device one point so `latest` has an answer.
    static func setUp(generator: LoadGenerator, deviceCount: Int) async throws -> BenchSession {
        let client = try await BenchHTTPClient.connect(host: generator.host, port: generator.port, group: generator.group)
        let authority = generator.authority
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let registration = try await client.send(
            BenchRequest(
                method: .POST, path: "/api/v1/auth/register", authority: authority,
                body: Self.json(["username": "bench_\(suffix)", "email": "bench_\(suffix)@example.com", "password": "bench-\(suffix)-password"])
            )
        ).expect(201, "POST /api/v1/auth/register").json()
        guard let token = registration["token"] as? String, let user = registration["user"] as? [String: Any], let userID = user["user_id"] as? String
        else { throw BenchError("POST /api/v1/auth/register: no token or user_id in the answer") }
        var devices: [Device] = []
        for index in 0...deviceCount {
            let answer = try await client.send(
                BenchRequest(
                    method: .POST, path: "/api/v1/devices/register", authority: authority, headers: [("Authorization", "Bearer \(token)")],
                    body: Self.json(["name": index == deviceCount ? "bench-history" : "bench-\(index)", "device_type": "sensor"])
                )
            ).expect(201, "POST /api/v1/devices/register").json()
            guard let device = answer["device"] as? [String: Any], let id = device["id"] as? Int, let key = device["api_key"] as? String else {
                throw BenchError("POST /api/v1/devices/register: no id or api_key in the answer")
            }
            devices.append(Device(id: id, key: key))
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let today = now / Self.day * Self.day
        for device in devices.dropLast() {
            var body = ByteBuffer()
            TelemetryWriteSource.writePoint(timestamp: today - 11 * Self.day, into: &body)
            _ = try await client.send(Self.telemetryPost(authority: authority, key: device.key).replacingBody(body)).expect(
                201, "POST /api/v1/telemetry")
        }
        return BenchSession(
            generator: generator, client: client, token: token, userID: userID, devices: Array(devices.dropLast()), historyDevice: devices.last!,
            today: today
        )
    }

    static func json(_ object: [String: String]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    /// `POST /api/v1/telemetry` as device `key`, body to be filled in.
    static func telemetryPost(authority: String, key: String) -> BenchRequest {
        BenchRequest(method: .POST, path: "/api/v1/telemetry", authority: authority, headers: [("X-API-Key", key)], body: ByteBuffer(string: "{}"))
    }

    /// First timestamp of write scenario `index` (0, 1, 2, …): each scenario writes on its own UTC day,
    /// `10 - index` days ago, so its points can be counted afterwards.
    func writeDay(_ index: Int) -> Int64 {
        self.today - Int64(10 - index) * Self.day
    }

    /// Points of `device` with a `temperature` in `[start, end)`, as the server counts them.
    func storedPoints(of device: Device, start: Int64, end: Int64) async throws -> Int {
        let answer = try await self.client.send(
            BenchRequest(
                method: .GET,
                path: "/api/v1/telemetry/\(device.id)/aggregated?field=temperature&aggregation=count&window=1d&start_time=\(start)&end_time=\(end)",
                authority: self.authority, headers: [("X-API-Key", device.key)]
            )
        ).expect(200, "GET /api/v1/telemetry/\(device.id)/aggregated").json()
        guard let buckets = answer["data"] as? [[String: Any]] else { throw BenchError("aggregated count: no data array") }
        return buckets.reduce(0) { $0 + (($1["count"] as? Int) ?? 0) }
    }

    /// Loads `points` points at 1 Hz ending at the current minute into the history device through the
    /// batch API, 10,000 points a request; returns the load and the `[start, end)` range in ms.
    func loadHistory(points: Int) async throws -> (load: BenchReport.HistoryLoad, start: Int64, end: Int64) {
        let end = Int64(Date().timeIntervalSince1970) / 60 * 60 * 1000
        let start = end - Int64(points) * 1000
        let template = Self.telemetryPost(authority: self.authority, key: self.historyDevice.key)
        let clock = ContinuousClock()
        let began = clock.now
        var requests = 0
        for first in stride(from: 0, to: points, by: 10_000) {
            var body = ByteBuffer()
            body.writeStaticString("{\"points\":[")
            for index in first..<min(points, first + 10_000) {
                if index > first { body.writeStaticString(",") }
                let temperature = 20 + 5 * sin(Double(index) / Double(points) * 2 * .pi)
                body.writeString(
                    "{\"data\":{\"temperature\":\(BenchReport.format(temperature, 2)),\"humidity\":\(40 + index % 20)},\"timestamp\":\(start + Int64(index) * 1000)}"
                )
            }
            body.writeStaticString("]}")
            _ = try await self.client.send(template.replacingBody(body)).expect(201, "POST /api/v1/telemetry (history batch)")
            requests += 1
        }
        let seconds = (clock.now - began).seconds
        let stored = try await self.storedPoints(of: self.historyDevice, start: start, end: end)
        return (
            BenchReport.HistoryLoad(points: points, requests: requests, seconds: seconds, pointsPerSecond: Double(points) / seconds, stored: stored),
            start, end
        )
    }

    /// `GET path` as the owner (bearer token).
    func ownerGet(_ path: String) -> BenchRequest {
        BenchRequest(method: .GET, path: path, authority: self.authority, headers: [("Authorization", "Bearer \(self.token)")])
    }

    /// ISO 8601 UTC of an epoch-ms instant, as the history queries spell it.
    static func iso(_ milliseconds: Int64) -> String {
        ISO8601.format(milliseconds: milliseconds)
    }

    /// Gives every write device alert rules number `from` up to `to` (exclusive) on `temperature`: rule 0 fires at
    /// once (`> 0`) and stays active, the others (`> 1000 + n`) never fire.
    func addAlertRules(from first: Int, to end: Int, on devices: [Device]? = nil) async throws {
        for device in devices ?? self.devices {
            for number in first..<end {
                let body: [String: Any] = [
                    "name": "bench-\(device.id)-\(number)", "device_id": device.id, "key": "temperature", "operator": "gt",
                    "threshold": number == 0 ? 0 : 1000 + number, "cooldown_s": 0,
                ]
                _ = try await self.client.send(
                    BenchRequest(
                        method: .POST, path: "/api/v1/alerts/rules", authority: self.authority, headers: [("Authorization", "Bearer \(self.token)")],
                        body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
                    )
                ).expect(201, "POST /api/v1/alerts/rules")
            }
        }
    }

    /// Registers `count` more devices of the bench's user (the fleet scenario's), named `prefix-<n>`.
    func registerDevices(count: Int, prefix: String) async throws -> [Device] {
        var devices: [Device] = []
        for index in 0..<count {
            let answer = try await self.client.send(
                BenchRequest(
                    method: .POST, path: "/api/v1/devices/register", authority: self.authority, headers: [("Authorization", "Bearer \(self.token)")],
                    body: Self.json(["name": "\(prefix)-\(index)", "device_type": "sensor"])
                )
            ).expect(201, "POST /api/v1/devices/register").json()
            guard let device = answer["device"] as? [String: Any], let id = device["id"] as? Int, let key = device["api_key"] as? String else {
                throw BenchError("POST /api/v1/devices/register: no id or api_key in the answer")
            }
            devices.append(Device(id: id, key: key))
        }
        return devices
    }

    /// Removes what the bench created, as far as the owner may: its devices and their telemetry.
    func deleteDevices() async throws {
        for device in self.devices + [self.historyDevice] {
            _ = try await self.client.send(
                BenchRequest(
                    method: .DELETE, path: "/api/v1/devices/\(device.id)", authority: self.authority,
                    headers: [("Authorization", "Bearer \(self.token)")]
                )
            ).expect(200, "DELETE /api/v1/devices/\(device.id)")
        }
    }
}
