/// The stores and collaborators the services share.
public struct Dependencies: Sendable {
    /// Users, devices, tokens.
    public var registry: any RegistryStore
    /// Time series.
    public var telemetry: any TelemetryStore
    /// Hot lookups.
    public var cache: any Cache
    /// Event sink.
    public var events: any EventRecorder
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
        registry: any RegistryStore, telemetry: any TelemetryStore, cache: any Cache, events: any EventRecorder, passwords: any PasswordHasher,
        writer: any TelemetryWriter, clock: any WallClock = SystemWallClock(), settings: Settings = Settings()
    ) {
        self.registry = registry
        self.telemetry = telemetry
        self.cache = cache
        self.events = events
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

    /// Defaults: online window 300 s, tokens valid 7 days.
    public init(onlineWindowSeconds: Int = 300, tokenLifetimeSeconds: Int = 7 * 86_400) {
        self.onlineWindowSeconds = onlineWindowSeconds
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
    }
}
