import Foundation
import Hummingbird
import Testing

@Suite("Request rules: content types, sizes, methods, paths, credential kinds")
struct RequestRulesTests {
    private let registerBody = #"{"username":"alice","email":"a@example.com","password":"password123"}"#

    @Test("a non-JSON content type is 415")
    func unsupportedMediaType() async throws {
        try await withApp { api in
            let response = try await api.request(.post, "/api/v1/auth/register", body: self.registerBody, contentType: "text/plain")
            expectError(response, .unsupportedMediaType)
            let form = try await api.request(
                .post, "/api/v1/auth/login", body: "username=alice&password=x", contentType: "application/x-www-form-urlencoded")
            expectError(form, .unsupportedMediaType)
        }
    }

    @Test("a body without Content-Type is read as JSON")
    func missingContentType() async throws {
        try await withApp { api in
            let response = try await api.request(.post, "/api/v1/auth/register", body: self.registerBody, contentType: nil)
            let json = try requireJSON(response, .created)
            #expect(json["user"]["username"].string == "alice")
            let token = try #require(json["token"].string)
            let device = try await api.request(
                .post, "/api/v1/devices/register", auth: .bearer(token), body: #"{"name":"probe","device_type":"sensor"}"#, contentType: nil
            )
            let key = try #require(try requireJSON(device, .created)["device"]["api_key"].string)
            let telemetry = try await api.request(.post, "/api/v1/telemetry", auth: .apiKey(key), body: #"{"data":{"a":1}}"#, contentType: nil)
            try requireJSON(telemetry, .created)
        }
    }

    @Test("JSON with a charset parameter is accepted")
    func charsetParameter() async throws {
        try await withApp { api in
            let response = try await api.request(
                .post, "/api/v1/auth/register", body: self.registerBody, contentType: "application/json; charset=utf-8")
            try requireJSON(response, .created)
        }
    }

    @Test("a body above 4 MiB is 413")
    func bodyTooLarge() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let body = #"{"data":{"a":""# + String(repeating: "x", count: 4 * 1024 * 1024) + #""}}"#
            expectError(try await api.request(.post, "/api/v1/telemetry", auth: device.key, body: body), .contentTooLarge)
            expectError(try await api.request(.post, "/api/v1/auth/register", body: body), .contentTooLarge)
        }
    }

    @Test("malformed JSON, a JSON array and an empty body are 400")
    func malformedBodies() async throws {
        try await withApp { api in
            expectError(try await api.request(.post, "/api/v1/auth/register", body: #"{"username":"alice","#), .badRequest)
            expectError(try await api.request(.post, "/api/v1/auth/register", body: "[\(self.registerBody)]"), .badRequest)
            expectError(try await api.request(.post, "/api/v1/auth/login", body: ""), .badRequest)
            let alice = try await api.registerUser()
            expectError(try await api.request(.post, "/api/v1/devices/register", auth: alice.bearer, body: ""), .badRequest)
            expectError(try await api.request(.post, "/api/v1/devices/register", auth: alice.bearer, body: "{"), .badRequest)
            let device = try await api.registerDevice(alice)
            expectError(try await api.request(.post, "/api/v1/telemetry", auth: device.key, body: "not json"), .badRequest)
            expectError(try await api.request(.post, "/api/v1/telemetry", auth: device.key, body: ""), .badRequest)
            expectError(try await api.request(.put, "/api/v1/devices/config", auth: device.key, body: "[]"), .badRequest)
        }
    }

    @Test("a known path with the wrong method is 405 JSON")
    func wrongMethod() async throws {
        try await withApp { api in
            expectError(try await api.request(.patch, "/api/v1/auth/login"), .methodNotAllowed)
            expectError(try await api.request(.get, "/api/v1/auth/register"), .methodNotAllowed)
            expectError(try await api.request(.delete, "/health"), .methodNotAllowed)
            expectError(try await api.request(.post, "/api/v1/devices/status"), .methodNotAllowed)
        }
    }

    @Test("an unknown path is 404 JSON", arguments: ["/nope", "/api/v1/nope", "/api/v1/devices/1/nope", "/api/v2/health"])
    func unknownPath(path: String) async throws {
        try await withApp { api in
            expectError(try await api.get(path), .notFound)
        }
    }

    @Test("the wrong kind of credential is 401")
    func wrongCredentialKind() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            expectError(try await api.get("/api/v1/devices/status", auth: alice.bearer), .unauthorized)
            expectError(try await api.get("/api/v1/devices/\(device.id)", auth: device.key), .unauthorized)
            expectError(try await api.put("/api/v1/devices/\(device.id)", auth: .adminToken, json: ["name": "x"]), .unauthorized)
            expectError(try await api.get("/api/v1/users", auth: device.key), .unauthorized)
            expectError(try await api.get("/api/v1/users/\(alice.userID)", auth: device.key), .unauthorized)
            expectError(try await api.post("/api/v1/telemetry", auth: alice.bearer, json: ["data": ["a": 1]]), .unauthorized)
            expectError(try await api.post("/api/v1/devices/register", auth: .adminToken, json: ["name": "x", "device_type": "y"]), .unauthorized)
            expectError(try await api.post("/api/v1/auth/logout", auth: device.key), .unauthorized)
        }
    }

    @Test("an invalid bearer token is 401 everywhere")
    func invalidBearer() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let bad = Credential.bearer("definitely-not-a-token")
            let paths = [
                "/api/v1/users/\(alice.userID)", "/api/v1/users", "/api/v1/devices/user/\(alice.userID)", "/api/v1/devices/\(device.id)",
                "/api/v1/devices/\(device.id)/status", "/api/v1/telemetry/\(device.id)", "/api/v1/telemetry/user/\(alice.userID)",
            ]
            for path in paths {
                expectError(try await api.get(path, auth: bad), .unauthorized)
            }
        }
    }

    @Test("success answers are JSON with a charset")
    func successContentType() async throws {
        try await withApp { api in
            let response = try await api.get("/health")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.lowercased().replacingOccurrences(of: " ", with: "") == "application/json;charset=utf-8")
        }
    }
}
