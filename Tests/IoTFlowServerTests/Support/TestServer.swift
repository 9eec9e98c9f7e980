import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IoTFlowServer
import IoTFlowStorage
import Logging
import NIOCore
import Testing

/// Shared settings of the in-process test server.
enum TestServer {
    static let adminToken = "test-admin-token-0123456789abcdef"
    static let apiKeyHeader = HTTPField.Name("X-API-Key")!
    static let userIDHeader = HTTPField.Name("X-User-ID")!
}

/// The credential a request is sent with.
enum Credential: Sendable {
    case bearer(String)
    case admin(String)
    case apiKey(String)
    case legacyUser(String)

    /// The configured admin token.
    static let adminToken = Credential.admin(TestServer.adminToken)

    var field: HTTPField {
        switch self {
        case .bearer(let token): HTTPField(name: .authorization, value: "Bearer \(token)")
        case .admin(let token): HTTPField(name: .authorization, value: "admin \(token)")
        case .apiKey(let key): HTTPField(name: TestServer.apiKeyHeader, value: key)
        case .legacyUser(let userID): HTTPField(name: TestServer.userIDHeader, value: userID)
        }
    }
}

/// Builds a fresh application on its own data directory, runs `test` against its router and removes the directory.
func withApp(
    legacyUserHeader: Bool = false,
    adminToken: String? = TestServer.adminToken,
    _ test: @Sendable (TestAPI) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    let config = testConfiguration(directory: directory.path) { config in
        config.adminToken = adminToken
        config.legacyUserHeader = legacyUserHeader
    }
    try await withTestStores(config) { config in
        let app = try await buildApplication(configuration: config)
        try await app.test(.router) { client in
            try await test(TestAPI(client: client))
        }
    }
}

/// The configuration every test app starts from: its own data directory, the test admin token, cheap bcrypt hashes,
/// quiet logs. The request deadline is a minute rather than 10 s: a run has hundreds of apps in flight on two cores,
/// whose SQLite statements share one blocking pool, and a test of what an answer says must not fail on a deadline meant
/// for store outages (the deadline tests set their own).
func baseTestConfiguration(directory: String) -> AppConfiguration {
    var config = AppConfiguration()
    config.dataDirectory = directory
    config.adminToken = TestServer.adminToken
    config.bcryptCost = 4
    config.logLevel = .warning
    config.requestTimeoutSeconds = 60
    return config
}

/// ``baseTestConfiguration(directory:)`` with every answer held to the OpenAPI document (an undocumented status fails
/// the test), then `configure` applied.
func testConfiguration(directory: String, _ configure: (inout AppConfiguration) -> Void = { _ in }) -> AppConfiguration {
    var config = baseTestConfiguration(directory: directory)
    config.checkContract = true
    configure(&config)
    return config
}

/// Points `config` at the backend under test (a fresh PostgreSQL database in the postgres pass) and runs `body`.
func withTestStores(_ config: AppConfiguration, _ body: (AppConfiguration) async throws -> Void) async throws {
    var config = config
    if TestBackend.usesRedis {
        // Each app gets its own key prefix on the shared test Redis, so parallel tests never see each other.
        var redis = RedisSettings(host: try TestBackend.redisHost())
        redis.port = try TestBackend.redisPort()
        redis.keyPrefix = "test-\(UUID().uuidString):"
        config.redis = redis
    }
    if TestBackend.usesCassandra { config.cassandra = try TestBackend.cassandraSettings() }
    if TestBackend.usesMongo { config.mongo = try TestBackend.mongoSettings() }
    switch TestBackend.current {
    case .sqlite:
        try await body(config)
    case .postgres:
        let base = config
        try await TestDatabase.withFreshDatabase { url in
            var postgres = base
            postgres.databaseURL = url
            // Each test app has its own pool; keep them small so a run stays far below max_connections.
            postgres.postgresPoolSize = 4
            try await body(postgres)
        }
    }
}

/// A thin client over the router that knows the three credential kinds and JSON bodies.
struct TestAPI: Sendable {
    let client: any TestClientProtocol

    /// Sends a request. `json` wins over `body`; `contentType` is only sent with a body.
    func request(
        _ method: HTTPRequest.Method,
        _ path: String,
        auth: Credential? = nil,
        json: JSONValue? = nil,
        body: String? = nil,
        contentType: String? = "application/json",
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        if let auth { fields.append(auth.field) }
        var buffer: ByteBuffer?
        if let json {
            buffer = ByteBuffer(bytes: try json.encoded())
        } else if let body {
            buffer = ByteBuffer(string: body)
        }
        if buffer != nil, let contentType, fields[.contentType] == nil {
            fields[.contentType] = contentType
        }
        return try await self.client.execute(uri: path, method: method, headers: fields, body: buffer)
    }

    func get(_ path: String, auth: Credential? = nil) async throws -> TestResponse {
        try await self.request(.get, path, auth: auth)
    }

    func post(_ path: String, auth: Credential? = nil, json: JSONValue? = nil) async throws -> TestResponse {
        try await self.request(.post, path, auth: auth, json: json)
    }

    func put(_ path: String, auth: Credential? = nil, json: JSONValue? = nil) async throws -> TestResponse {
        try await self.request(.put, path, auth: auth, json: json)
    }

    func patch(_ path: String, auth: Credential? = nil, json: JSONValue? = nil) async throws -> TestResponse {
        try await self.request(.patch, path, auth: auth, json: json)
    }

    func delete(_ path: String, auth: Credential? = nil, json: JSONValue? = nil) async throws -> TestResponse {
        try await self.request(.delete, path, auth: auth, json: json)
    }
}

extension TestResponse {
    /// The body decoded as JSON.
    func json() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(self.body.readableBytesView))
    }

    /// The body as text, for failure messages.
    var text: String {
        String(buffer: self.body)
    }
}

/// Requires `status` and a JSON body, and returns the body.
@discardableResult
func requireJSON(
    _ response: TestResponse,
    _ status: HTTPResponse.Status = .ok,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> JSONValue {
    try #require(response.status == status, "status \(response.status.code), body: \(response.text)", sourceLocation: sourceLocation)
    #expect(
        response.headers[.contentType]?.hasPrefix("application/json") == true,
        "content type \(response.headers[.contentType] ?? "none")",
        sourceLocation: sourceLocation
    )
    return try #require(try? response.json(), "body is not JSON: \(response.text)", sourceLocation: sourceLocation)
}

/// Checks an error answer: the status, a JSON content type and a body with string `error` and `message`.
func expectError(
    _ response: TestResponse,
    _ status: HTTPResponse.Status,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "expected \(status.code), got \(response.status.code): \(response.text)", sourceLocation: sourceLocation)
    #expect(
        response.headers[.contentType]?.hasPrefix("application/json") == true,
        "content type \(response.headers[.contentType] ?? "none")",
        sourceLocation: sourceLocation
    )
    let json = try? response.json()
    #expect(json["error"].string?.isEmpty == false, "no string `error` in \(response.text)", sourceLocation: sourceLocation)
    #expect(json["message"].string?.isEmpty == false, "no string `message` in \(response.text)", sourceLocation: sourceLocation)
}
