import IoTFlowCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// JSON requests to the server under simulation, one at a time on one keep-alive connection, each with a deadline.
struct SimulationAPI: Sendable {
    /// How a request identifies itself.
    enum Credential: Sendable {
        case none
        case bearer(String)
        case apiKey(String)
        case admin(String)

        var headers: [(String, String)] {
            switch self {
            case .none: []
            case .bearer(let token): [("Authorization", "Bearer \(token)")]
            case .apiKey(let key): [("X-API-Key", key)]
            case .admin(let token): [("Authorization", "admin \(token)")]
            }
        }
    }

    /// A status and a parsed body (`null` when the body is empty or not JSON).
    struct Answer: Sendable {
        let status: UInt
        let json: JSONValue

        /// Throws unless the status is `expected`.
        @discardableResult
        func expect(_ expected: UInt, _ what: String) throws -> Answer {
            guard self.status == expected else {
                throw CommandLineError("\(what): expected \(expected), got \(self.status) \(JSONWriter.string(self.json).prefix(300))")
            }
            return self
        }
    }

    let server: ServerURL
    let client: BenchHTTPClient
    /// Seconds a request may take.
    let timeout: Double

    static func connect(_ server: ServerURL, timeout: Double) async throws -> SimulationAPI {
        do {
            let client = try await BenchHTTPClient.connect(
                host: server.host, port: server.port, group: MultiThreadedEventLoopGroup.singleton, timeout: .seconds(Int64(timeout)))
            return SimulationAPI(server: server, client: client, timeout: timeout)
        } catch {
            throw server.connectionFailure(error)
        }
    }

    func send(_ method: HTTPMethod, _ path: String, _ credential: Credential, body: JSONValue? = nil) async throws -> Answer {
        let request = BenchRequest(
            method: method, path: "/api/v1" + path, authority: self.server.authority, headers: credential.headers,
            body: body.map { ByteBuffer(bytes: JSONWriter.bytes($0)) })
        let client = self.client
        let response = try await withDeadline(self.timeout, "\(method) /api/v1\(path)") { try await client.send(request) }
        let json = (try? JSONParser.parse(response.body.readableBytesView)) ?? .null
        return Answer(status: response.status, json: json)
    }

    func close() async {
        await self.client.close()
    }
}

extension JSONValue {
    /// The member `key` of an object, `nil` otherwise.
    subscript(member key: String) -> JSONValue? {
        self.objectValue?[key]
    }

    var intValue: Int? {
        switch self {
        case .int(let value): Int(value)
        case .double(let value) where value.rounded() == value: Int(value)
        default: nil
        }
    }

    var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
