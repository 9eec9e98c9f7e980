import Foundation
import Hummingbird
import IoTFlowCore
import IoTFlowStorage
import Logging
import ServiceLifecycle

/// Builds the IoTFlow application: stores, services, routes. `iotflow serve` and the tests both call it;
/// tests pass their own `clock` so rate-limit and online-window rules can be checked without waiting.
public func buildApplication(configuration: AppConfiguration, clock: any WallClock = SystemWallClock()) async throws -> some ApplicationProtocol {
    makeApplication(try await buildApplicationParts(configuration: configuration, clock: clock), configuration: configuration)
}

/// What an application is made of; tests inspect the router before running the application.
struct ApplicationParts {
    let router: Router<AppRequestContext>
    /// Long-running pieces, in start order (shutdown runs in reverse).
    let services: [any Service]
    /// Work done before the server accepts requests (migrations, then the MQTT ports).
    let prepare: @Sendable () async throws -> Void
    let logger: Logger
    /// The MQTT listeners, for tests to find their ports.
    let mqtt: MQTTListener
}

/// Opens the stores and builds the services and the router.
func buildApplicationParts(configuration: AppConfiguration, clock: any WallClock) async throws -> ApplicationParts {
    var logger = Logger(label: "iotflow")
    logger.logLevel = configuration.logLevel
    var storeConfiguration = configuration.storeConfiguration
    storeConfiguration.clock = clock
    let stores = try await StoreSet.open(configuration: storeConfiguration, logger: logger)
    // Across instances through the cache's Redis, when there is one.
    let relay = configuration.redis.flatMap { redis in
        (stores.cache as? RedisCache).map { LiveRelay(client: $0.client, keyPrefix: redis.keyPrefix, logger: logger) }
    }
    let hub = LiveHub(settings: configuration.liveStreams, relay: relay, logger: logger)
    let batcher = IngestBatcher(
        store: stores.telemetry, devices: stores.devices, cache: stores.cache, maxBatchPoints: configuration.ingestMaxBatchPoints, logger: logger,
        live: hub
    )
    let eventWriter = EventWriter(store: stores.events, logger: logger)
    let passwords = BcryptPasswordHasher(
        cost: configuration.bcryptCost, threads: configuration.bcryptThreads, cpuPercent: configuration.bcryptCPUPercent)
    // Live streams hear of revocations through the cache and of membership changes through the group store.
    let (cache, groups) = (LiveInvalidatingCache(base: stores.cache, hub: hub), LiveGroupStore(base: stores.groups, hub: hub))
    let deps = Dependencies(
        accounts: stores.accounts, devices: stores.devices, groups: groups, telemetry: stores.telemetry, cache: cache,
        events: eventWriter, eventStore: stores.events, alertRules: stores.alertRules, alerts: stores.alerts, liveFeed: hub,
        passwords: passwords, writer: batcher, clock: clock,
        settings: Settings(
            onlineWindowSeconds: configuration.onlineWindowSeconds, tokenLifetimeSeconds: configuration.tokenLifetimeSeconds,
            rateLimits: RateLimits(
                telemetryPerDevice: configuration.rateLimitPerMinute, authPerClient: configuration.authRateLimitPerMinute,
                deviceRegistrationsPerUser: configuration.deviceRegistrationRateLimitPerMinute
            ),
            maxKeysPerDevice: configuration.maxKeysPerDevice
        )
    )
    let alertEvaluation = AlertEvaluationService(
        deps: deps, capacity: configuration.alertQueuePoints, offlineInterval: .seconds(configuration.alertOfflineCheckSeconds), logger: logger)
    batcher.observeCommits { alertEvaluation.enqueue($0) }
    let services = APIServices(deps: deps, health: stores.healthChecker, alertEvaluation: alertEvaluation)
    let mqttDevices = MQTTDeviceRegistry(devices: services.devices, logger: logger)
    hub.observe(mqttDevices)
    let mqtt = MQTTListener(
        settings: configuration.mqtt, host: configuration.host,
        gateway: MQTTDeviceGateway(
            devices: services.devices, telemetry: services.telemetry, registry: mqttDevices, hub: hub, logger: logger),
        registry: mqttDevices, devices: services.devices, logger: logger
    )
    let router = buildRouter(services: services, configuration: configuration, hub: hub)
    let retention = RetentionSweeper(
        settings: configuration.retention, store: stores.telemetry, events: eventWriter, clock: clock, logger: logger)
    if configuration.legacyUserHeader {
        logger.warning(
            "IOTFLOW_LEGACY_USER_HEADER is on: X-User-ID is accepted without a password or token. This is insecure; use it only to migrate old clients."
        )
    }
    if configuration.adminToken == nil {
        logger.info("IOTFLOW_ADMIN_TOKEN is not set: only admin users' bearer tokens can use admin routes")
    }
    // Shutdown runs in reverse order: the servers stop first (MQTT acknowledging what it handles), then pending
    // telemetry is committed, alert evaluation stops, events are flushed, and the databases (and the bcrypt threads)
    // are closed last.
    let prepareStores = stores.prepare
    return ApplicationParts(
        router: router, services: [passwords] + stores.services + [eventWriter, retention, alertEvaluation, batcher, hub, mqtt],
        prepare: {
            try await prepareStores()
            try await mqtt.bind()
        },
        logger: logger, mqtt: mqtt)
}

/// The Hummingbird application serving `parts` on the configured address.
func makeApplication(_ parts: ApplicationParts, configuration: AppConfiguration) -> some ApplicationProtocol {
    var app = Application(
        router: parts.router,
        server: .limitedHTTP1(
            limits: configuration.connectionLimits, bodyTimeout: .seconds(Int64(configuration.requestTimeoutSeconds)),
            webSocket: configuration.liveStreams.webSocketConfiguration, upgrades: parts.router
        ),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "IoTFlow"),
        logger: parts.logger
    )
    app.addServices(parts.services)
    app.beforeServerStarts(perform: parts.prepare)
    return app
}

/// Every route of API.md in this build. Middlewares outermost first: metrics count the status clients get,
/// the contract check (in tests) sees it too, errors become JSON, the deadline turns slow requests into 503,
/// bodies above 4 MiB are refused on every route, and credentials are resolved once before the handlers.
func buildRouter(services: APIServices, configuration: AppConfiguration, hub: LiveHub) -> Router<AppRequestContext> {
    AppMetrics.bootstrap()
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: MetricsMiddleware())
    if configuration.checkContract {
        router.add(middleware: ContractCheckMiddleware(document: OpenAPIDocument.served))
    }
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: DeadlineMiddleware(timeout: .seconds(configuration.requestTimeoutSeconds)))
    router.add(middleware: RequestBodyLimitMiddleware())
    let authentication = AuthenticationMiddleware(
        accounts: services.accounts, devices: services.devices, adminToken: configuration.adminToken,
        legacyUserHeaderEnabled: configuration.legacyUserHeader
    )
    router.add(middleware: authentication)
    let api = router.group("/api/v1")
    api.addRoutes(AuthController(services: services).routes, atPath: "auth")
    api.addRoutes(UserController(services: services).routes, atPath: "users")
    api.addRoutes(DeviceSelfController(services: services).routes, atPath: "devices")
    api.addRoutes(DeviceController(services: services).routes, atPath: "devices")
    api.addRoutes(TelemetryController(services: services).routes, atPath: "telemetry")
    api.addRoutes(GroupController(services: services).routes, atPath: "groups")
    api.addRoutes(AdminController(services: services).routes, atPath: "admin")
    api.addRoutes(AlertController(services: services).routes, atPath: "alerts")
    api.addRoutes(LiveStreamController(services: services, hub: hub, access: LiveAccess(services: services, authenticator: authentication)).routes)
    router.addRoutes(HealthController(services: services, startedAt: .now).routes)
    router.addRoutes(MetricsController(services: services).routes)
    router.addRoutes(OpenAPIController().routes)
    MethodNotAllowedRoutes.add(to: router)
    return router
}
