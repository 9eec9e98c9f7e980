import Foundation
import HummingbirdTesting
import Testing

/// A registered user and the token it got at registration (or its latest login).
struct TestUser: Sendable {
    let id: Int
    let userID: String
    let username: String
    let email: String
    let password: String
    let token: String

    var bearer: Credential { .bearer(self.token) }
}

/// A registered device and its API key.
struct TestDevice: Sendable {
    let id: Int
    let name: String
    let apiKey: String

    var key: Credential { .apiKey(self.apiKey) }
}

extension TestAPI {
    /// Registers a user and requires 201.
    func registerUser(
        _ username: String = "alice",
        email: String? = nil,
        password: String = "password123",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestUser {
        let email = email ?? "\(username.lowercased())@example.com"
        let response = try await self.post(
            "/api/v1/auth/register",
            json: ["username": .string(username), "email": .string(email), "password": .string(password)]
        )
        let json = try requireJSON(response, .created, sourceLocation: sourceLocation)
        return TestUser(
            id: try #require(json["user"]["id"].int, sourceLocation: sourceLocation),
            userID: try #require(json["user"]["user_id"].string, sourceLocation: sourceLocation),
            username: username,
            email: email,
            password: password,
            token: try #require(json["token"].string, sourceLocation: sourceLocation)
        )
    }

    /// Sends a login request.
    func login(_ username: String, _ password: String) async throws -> TestResponse {
        try await self.post("/api/v1/auth/login", json: ["username": .string(username), "password": .string(password)])
    }

    /// Logs `user` in again and returns it with the new token.
    func relogin(_ user: TestUser, sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestUser {
        let json = try requireJSON(try await self.login(user.username, user.password), sourceLocation: sourceLocation)
        return TestUser(
            id: user.id,
            userID: user.userID,
            username: user.username,
            email: user.email,
            password: user.password,
            token: try #require(json["token"].string, sourceLocation: sourceLocation)
        )
    }

    /// Registers a user, makes it an admin with the admin token and logs it in again.
    func registerAdminUser(_ username: String = "root", sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestUser {
        let user = try await self.registerUser(username, sourceLocation: sourceLocation)
        let promoted = try await self.put("/api/v1/users/\(user.userID)", auth: .adminToken, json: ["is_admin": true])
        let json = try requireJSON(promoted, sourceLocation: sourceLocation)
        try #require(json["user"]["is_admin"].bool == true, sourceLocation: sourceLocation)
        return try await self.relogin(user, sourceLocation: sourceLocation)
    }

    /// Registers a device for `owner` and requires 201.
    func registerDevice(
        _ owner: TestUser,
        name: String = "sensor-1",
        deviceType: String = "sensor",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestDevice {
        let response = try await self.post(
            "/api/v1/devices/register",
            auth: owner.bearer,
            json: ["name": .string(name), "device_type": .string(deviceType)]
        )
        let json = try requireJSON(response, .created, sourceLocation: sourceLocation)
        return TestDevice(
            id: try #require(json["device"]["id"].int, sourceLocation: sourceLocation),
            name: name,
            apiKey: try #require(json["device"]["api_key"].string, sourceLocation: sourceLocation)
        )
    }

    /// Posts a telemetry body as `device`.
    func postTelemetry(_ device: TestDevice, _ body: JSONValue) async throws -> TestResponse {
        try await self.post("/api/v1/telemetry", auth: device.key, json: body)
    }

    /// Posts one point, at `millis` when given, and requires 201.
    func postPoint(
        _ device: TestDevice,
        _ data: JSONValue,
        at millis: Int64? = nil,
        metadata: JSONValue? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var point: [String: JSONValue] = ["data": data]
        if let millis { point["timestamp"] = .string(TestTime.iso(millis)) }
        if let metadata { point["metadata"] = metadata }
        try requireJSON(try await self.postTelemetry(device, .object(point)), .created, sourceLocation: sourceLocation)
    }

    /// Posts a batch of `(millis, data)` points and requires 201.
    func postBatch(
        _ device: TestDevice,
        _ points: [(Int64, JSONValue)],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let body: JSONValue = ["points": .array(points.map { ["timestamp": .string(TestTime.iso($0.0)), "data": $0.1] })]
        try requireJSON(try await self.postTelemetry(device, body), .created, sourceLocation: sourceLocation)
    }
}
