/// The stores and collaborators the services share.
public struct Dependencies: Sendable {
    /// Users and tokens.
    public var accounts: any AccountStore
    /// Devices, keys and configuration.
    public var devices: any DeviceStore
    /// Device groups and memberships.
    public var groups: any GroupStore
    /// Time series.
    public var telemetry: any TelemetryStore
    /// Hot lookups.
    public var cache: any Cache
    /// Event sink (asynchronous, never fails a request).
    public var events: any EventRecorder
    /// The event log, for reading.
    public var eventStore: any EventStore
    /// Alert rules (registry).
    public var alertRules: any AlertRuleStore
    /// Alerts (events role).
    public var alerts: any AlertStore
    /// Told of every alert transition (the live hub).
    public var liveFeed: any LiveFeed
    /// Each device's enabled rules, in process.
    public let ruleCache: AlertRuleCache
    /// Password hashing.
    public var passwords: any PasswordHasher
    /// Durable telemetry writes (group commit).
    public var writer: any TelemetryWriter
    /// Wall clock.
    public var clock: any WallClock
    /// Rules that operators may tune.
    public var settings: Settings
    /// Distinct server timestamps per device.
    public let stamps: ServerStamps
    /// The bound on distinct keys per device.
    public let keyBudget: KeyBudget

    /// Creates the bundle.
    public init(
        accounts: any AccountStore, devices: any DeviceStore, groups: any GroupStore, telemetry: any TelemetryStore, cache: any Cache,
        events: any EventRecorder, eventStore: any EventStore, alertRules: any AlertRuleStore, alerts: any AlertStore,
        liveFeed: any LiveFeed = NoLiveFeed(), passwords: any PasswordHasher,
        writer: any TelemetryWriter, clock: any WallClock = SystemWallClock(), settings: Settings = Settings()
    ) {
        self.accounts = accounts
        self.devices = devices
        self.groups = groups
        self.telemetry = telemetry
        self.cache = cache
        self.events = events
        self.eventStore = eventStore
        self.alertRules = alertRules
        self.alerts = alerts
        self.liveFeed = liveFeed
        self.ruleCache = AlertRuleCache(store: alertRules, cache: cache)
        self.passwords = passwords
        self.writer = writer
        self.clock = clock
        self.settings = settings
        self.stamps = ServerStamps()
        self.keyBudget = KeyBudget(limit: settings.maxKeysPerDevice)
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
    /// Most distinct telemetry keys one device may have (`IOTFLOW_MAX_KEYS_PER_DEVICE`).
    public var maxKeysPerDevice: Int

    /// Defaults: online window 300 s, tokens valid 7 days, default rate limits, 1000 keys per device.
    public init(
        onlineWindowSeconds: Int = 300, tokenLifetimeSeconds: Int = 7 * 86_400, rateLimits: RateLimits = RateLimits(), maxKeysPerDevice: Int = 1000
    ) {
        self.onlineWindowSeconds = onlineWindowSeconds
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.rateLimits = rateLimits
        self.maxKeysPerDevice = maxKeysPerDevice
    }
}
