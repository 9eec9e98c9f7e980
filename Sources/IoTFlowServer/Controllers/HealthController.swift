import Hummingbird
import IoTFlowCore
import IoTFlowStorage

/// `GET /health`, `GET /status` and `GET /` at the root.
struct HealthController {
    let services: APIServices
    let startedAt: ContinuousClock.Instant

    static let version = "0.1.0"

    /// One store's state in health answers.
    struct StoreState: ResponseEncodable, Sendable {
        let backend: String
        let role: String
        let available: Bool
        let latencyMilliseconds: Double?

        private enum CodingKeys: String, CodingKey { case backend, role, available, latencyMilliseconds = "latency_ms" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.backend, forKey: .backend)
            try container.encode(self.role, forKey: .role)
            try container.encode(self.available, forKey: .available)
            try container.encode(self.latencyMilliseconds, forKey: .latencyMilliseconds)
        }
    }

    /// `{status, stores: {role: state}}`, the answer of `/telemetry/status`.
    struct StoresResponse: ResponseEncodable, Sendable {
        let status: StoreHealthChecker.Status
        let stores: KeyedValues<StoreState>

        init(_ report: StoreHealthChecker.Report) {
            self.status = report.status
            self.stores = HealthController.stores(report)
        }
    }

    struct HealthResponse: ResponseEncodable, Sendable {
        let status: StoreHealthChecker.Status
        let version: String
        let uptime: Int64
        let stores: KeyedValues<StoreState>?

        private enum CodingKeys: String, CodingKey { case status, version, uptime = "uptime_s", stores }
    }

    struct StatusResponse: ResponseEncodable, Sendable {
        struct Devices: ResponseEncodable, Sendable {
            let total: Int?
            let online: Int?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(self.total, forKey: .total)
                try container.encode(self.online, forKey: .online)
            }

            private enum CodingKeys: String, CodingKey { case total, online }
        }

        struct Telemetry: ResponseEncodable, Sendable {
            let pointsTotal: Int?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(self.pointsTotal, forKey: .pointsTotal)
            }

            private enum CodingKeys: String, CodingKey { case pointsTotal = "points_total" }
        }

        let status: StoreHealthChecker.Status
        let version: String
        let devices: Devices
        let telemetry: Telemetry
        let stores: KeyedValues<StoreState>
    }

    /// The root document never changes, so it is written once: `GET /` is the bench's no-op baseline and should
    /// measure the HTTP layer, not an encoder.
    static let index: [UInt8] = {
        let endpoints: [(String, String)] = [
            ("admin", "/api/v1/admin"), ("auth", "/api/v1/auth"), ("devices", "/api/v1/devices"), ("docs", "/docs"),
            ("groups", "/api/v1/groups"), ("health", "/health"), ("metrics", "/metrics"), ("openapi", "/openapi.json"),
            ("status", "/status"), ("telemetry", "/api/v1/telemetry"), ("users", "/api/v1/users"),
        ]
        let document = JSONObject([
            (key: "name", value: .string("IoTFlow")), (key: "version", value: .string(version)), (key: "docs", value: .string("/docs")),
            (key: "endpoints", value: .object(JSONObject(endpoints.map { (key: $0.0, value: JSONValue.string($0.1)) }))),
        ])
        var output: [UInt8] = []
        JSONWriter.write(.object(document), into: &output)
        return output
    }()

    static func stores(_ report: StoreHealthChecker.Report) -> KeyedValues<StoreState> {
        KeyedValues(
            pairs: report.stores.map {
                (
                    $0.role,
                    StoreState(
                        backend: $0.backend, role: $0.primary ? "primary" : "auxiliary", available: $0.available,
                        latencyMilliseconds: $0.latencyMilliseconds)
                )
            }
        )
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("health") { request, _ -> Answer<HealthResponse> in
            let uptime = (ContinuousClock.now - self.startedAt).components.seconds
            guard try QueryReader(request).flag("detailed") == true else {
                return Answer(.ok, HealthResponse(status: .healthy, version: Self.version, uptime: uptime, stores: nil))
            }
            let report = await self.services.health.check()
            return Answer(
                report.primaryDown ? .serviceUnavailable : .ok,
                HealthResponse(status: report.status, version: Self.version, uptime: uptime, stores: Self.stores(report))
            )
        }
        routes.get("status") { _, _ in
            async let report = self.services.health.check()
            let totals = await self.services.admin.publicTotals()
            return StatusResponse(
                status: await report.status, version: Self.version,
                devices: .init(total: totals.devices?.total, online: totals.devices?.online), telemetry: .init(pointsTotal: totals.pointsTotal),
                stores: Self.stores(await report)
            )
        }
        routes.get { _, _ in JSONResponseEncoder.response(Self.index) }
        return routes
    }
}
