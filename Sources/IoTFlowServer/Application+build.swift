import Foundation
import Hummingbird
import IoTFlowCore
import IoTFlowStorage
import Logging
import ServiceLifecycle

/// Builds the IoTFlow application: stores, services, routes. `iotflow serve` and the tests both call it.
public func buildApplication(configuration: AppConfiguration) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "iotflow")
    logger.logLevel = configuration.logLevel
    let stores = try await StoreSet.open(configuration: configuration, logger: logger)
    let batcher = IngestBatcher(
        store: stores.telemetry, registry: stores.registry, cache: stores.cache, maxBatchPoints: configuration.ingestMaxBatchPoints,
        logger: logger
    )
    let eventWriter = EventWriter(store: stores.events, logger: logger)
    let deps = Dependencies(
        registry: stores.registry, telemetry: stores.telemetry, cache: stores.cache, events: eventWriter, eventStore: stores.events,
        passwords: BcryptPasswordHasher(cost: configuration.bcryptCost), writer: batcher,
        settings: Settings(
            onlineWindowSeconds: configuration.onlineWindowSeconds, tokenLifetimeSeconds: configuration.tokenLifetimeSeconds,
            rateLimits: RateLimits(
                telemetryPerDevice: configuration.rateLimitPerMinute, authPerClient: configuration.authRateLimitPerMinute,
                deviceRegistrationsPerUser: configuration.deviceRegistrationRateLimitPerMinute
            )
        )
    )
    let services = APIServices(deps: deps, configuration: configuration, health: stores.healthChecker)
    let router = buildRouter(services: services)
    if configuration.legacyUserHeader {
        logger.warning(
            "IOTFLOW_LEGACY_USER_HEADER is on: X-User-ID is accepted without a password or token. This is insecure; use it only to migrate old clients."
        )
    }
    if configuration.adminToken == nil {
        logger.info("IOTFLOW_ADMIN_TOKEN is not set: only admin users' bearer tokens can use admin routes")
    }
    var app = Application(
        router: router,
        server: .limitedHTTP1(limits: configuration.connectionLimits, bodyTimeout: .seconds(Int64(configuration.requestTimeoutSeconds))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "IoTFlow"),
        logger: logger
    )
    // Shutdown runs in reverse order: the server stops first, then pending telemetry is committed,
    // events are flushed, and the databases are closed last.
    app.addServices(stores.services + [eventWriter, batcher])
    app.beforeServerStarts(perform: stores.prepare)
    return app
}

/// All routes of API.md in this build, behind the JSON error middleware.
func buildRouter(services: APIServices) -> Router<AppRequestContext> {
    AppMetrics.bootstrap()
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    let table = RouteTable()
    // Metrics wrap the error middleware so they count the status codes clients actually receive;
    // the deadline sits inside so its 503 is shaped and counted like any other answer.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMiddleware(routes: table))
    router.add(middleware: DeadlineMiddleware(timeout: .seconds(services.requestTimeoutSeconds)))
    let prefix = "/api/v1"
    let api = router.group(RouterPath(prefix))
    AuthController(services: services).addRoutes(to: api.group("auth"), table: table, prefix: prefix + "/auth")
    UserController(services: services).addRoutes(to: api.group("users"), table: table, prefix: prefix + "/users")
    DeviceSelfController(services: services).addRoutes(to: api.group("devices"), table: table, prefix: prefix + "/devices")
    DeviceController(services: services).addRoutes(to: api.group("devices"), table: table, prefix: prefix + "/devices")
    TelemetryController(services: services).addRoutes(to: api.group("telemetry"), table: table, prefix: prefix + "/telemetry")
    GroupController(services: services).addRoutes(to: api.group("groups"), table: table, prefix: prefix + "/groups")
    AdminController(services: services).addRoutes(to: api.group("admin"), table: table, prefix: prefix + "/admin")
    HealthController(services: services, startedAt: .now).addRoutes(to: router, table: table)
    MetricsController(services: services).addRoutes(to: router, table: table)
    return router
}
