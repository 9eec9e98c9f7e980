/// The stores and collaborators the services share.
public struct Dependencies: Sendable {
    /// Users, devices, tokens.
    public var registry: any RegistryStore
    /// Time series.
    public var telemetry: any TelemetryStore
    /// Hot lookups.
    public var cache: any Cache
    /// Event sink (asynchronous, never fails a request).
    public var events: any EventRecorder
    /// The event log, for reading.
    public var eventStore: any EventStore
    /// Password hashing.
    public var passwords: any PasswordHasher
    /// Durable telemetry writes (group commit).
    public var writer: any TelemetryWriter
    /// Wall clock.
    public var clock: any WallClock
    /// Rules that operators may tune.
    public var settings: Settings

    /// Creates the bundle.
    public init(
        registry: any RegistryStore, telemetry: any TelemetryStore, cache: any Cache, events: any EventRecorder, eventStore: any EventStore,
        passwords: any PasswordHasher,
        writer: any TelemetryWriter, clock: any WallClock = SystemWallClock(), settings: Settings = Settings()
    ) {
        self.registry = registry
        self.telemetry = telemetry
        self.cache = cache
        self.events = events
        self.eventStore = eventStore
        self.passwords = passwords
        self.writer = writer
        self.clock = clock
        self.settings = settings
    }
}

/// Tunable domain rules.
public struct Settings: Sendable {
    /// A device is online when seen within this many seconds.
    public var onlineWindowSeconds: Int
    /// Bearer tokens expire after this many seconds.
    public var tokenLifetimeSeconds: Int
    /// Per-minute request limits.
    public var rateLimits: RateLimits

    /// Defaults: online window 300 s, tokens valid 7 days, default rate limits.
    public init(onlineWindowSeconds: Int = 300, tokenLifetimeSeconds: Int = 7 * 86_400, rateLimits: RateLimits = RateLimits()) {
        self.onlineWindowSeconds = onlineWindowSeconds
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.rateLimits = rateLimits
    }
}
