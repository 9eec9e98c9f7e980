/// Operator views and actions: all devices, statistics, the event log.
public struct AdminService: Sendable {
    let deps: Dependencies

    /// Creates the service.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// A page of all devices, filtered by `status` and owner `user_id`.
    public func devices(principal: Principal, query: [String: String]) async throws -> (devices: [Device], total: Int, paging: Paging) {
        try Access.requireAdmin(principal)
        let status = try Self.status(query["status"])
        let paging = try Paging.parse(limit: query["limit"], offset: query["offset"])
        var ownerID: Int64?
        if let publicID = query["user_id"], !publicID.isEmpty {
            guard AccountService.isPublicID(publicID) else { throw IoTFlowError.badRequest("'user_id' must be a 32-character hex user id.") }
            guard let owner = try await self.deps.registry.user(publicID: publicID) else { return ([], 0, paging) }
            ownerID = owner.id
        }
        let page = try await self.deps.registry.devices(ownerID: ownerID, status: status, deviceType: nil, limit: paging.limit, offset: paging.offset)
        return (page.devices, page.total, paging)
    }

    /// Any device.
    public func device(_ id: Int64, principal: Principal) async throws -> Device {
        try Access.requireAdmin(principal)
        return try await DeviceService(self.deps).find(id)
    }

    /// Updates any device, status included.
    public func updateDevice(_ id: Int64, principal: Principal, body: JSONValue) async throws -> Device {
        try Access.requireAdmin(principal)
        return try await DeviceService(self.deps).update(id, body: body, principal: principal, allowStatus: true)
    }

    /// Sets any device's status.
    public func setDeviceStatus(_ id: Int64, principal: Principal, body: JSONValue) async throws -> (old: DeviceStatus, new: DeviceStatus) {
        try Access.requireAdmin(principal)
        return try await DeviceService(self.deps).setStatus(id, body: body, principal: principal)
    }

    /// Deletes any device with its telemetry.
    public func deleteDevice(_ id: Int64, principal: Principal) async throws {
        try Access.requireAdmin(principal)
        try await DeviceService(self.deps).delete(id, principal: principal, asAdmin: true)
    }

    /// Everything `GET /admin/stats` reports.
    public struct Statistics: Sendable {
        /// Users, devices, groups.
        public var registry: RegistryCounts
        /// Stored values.
        public var pointsTotal: Int
        /// Stored values with timestamps in the last 24 hours.
        public var pointsLast24h: Int
        /// Cache counters.
        public var cache: CacheStatistics
        /// Events in the log.
        public var eventsTotal: Int
        /// The event queue.
        public var eventQueue: EventQueueStatistics
    }

    /// Consistent totals across the stores.
    public func statistics(principal: Principal) async throws -> Statistics {
        try Access.requireAdmin(principal)
        let now = self.deps.clock.nowMilliseconds()
        let onlineSince = now - Int64(self.deps.settings.onlineWindowSeconds) * 1000
        async let registry = self.deps.registry.registryCounts(onlineSince: onlineSince)
        async let online = self.deps.cache.onlineDevices(since: onlineSince)
        async let total = self.deps.telemetry.countValues(since: nil)
        async let recent = self.deps.telemetry.countValues(since: now - 86_400_000)
        async let events = self.deps.eventStore.events(EventQuery(limit: 0)).total
        var counts = try await registry
        if let online = await online { counts.onlineDevices = online }
        return Statistics(
            registry: counts, pointsTotal: try await total, pointsLast24h: try await recent, cache: await self.deps.cache.statistics(),
            eventsTotal: try await events, eventQueue: self.deps.events.queueStatistics()
        )
    }

    /// A page of the event log, newest first.
    public func events(principal: Principal, query: [String: String]) async throws -> (events: [Event], total: Int, paging: Paging) {
        try Access.requireAdmin(principal)
        let paging = try Paging.parse(limit: query["limit"], offset: query["offset"])
        let now = self.deps.clock.nowMilliseconds()
        var filter = EventQuery(limit: paging.limit, offset: paging.offset)
        if let type = query["event_type"], !type.isEmpty {
            guard EventType.all.contains(type) else {
                throw IoTFlowError.badRequest("'event_type' is not a known event type, such as device.registered or telemetry.submitted.")
            }
            filter.type = type
        }
        if let text = query["device_id"], !text.isEmpty {
            guard let deviceID = Int64(text) else { throw IoTFlowError.badRequest("'device_id' must be an integer.") }
            filter.deviceID = deviceID
        }
        if let user = query["user_id"], !user.isEmpty {
            guard AccountService.isPublicID(user) else { throw IoTFlowError.badRequest("'user_id' must be a 32-character hex user id.") }
            filter.userPublicID = user
        }
        if let start = query["start_time"], !start.isEmpty { filter.start = try TelemetryService.time(start, name: "start_time", now: now) }
        if let end = query["end_time"], !end.isEmpty { filter.end = try TelemetryService.time(end, name: "end_time", now: now) }
        let page = try await self.deps.eventStore.events(filter)
        return (page.events, page.total, paging)
    }

    /// A page of every device's status and liveness.
    public func statuses(principal: Principal, query: [String: String]) async throws -> (devices: [Device], total: Int, paging: Paging) {
        try Access.requireAdmin(principal)
        let paging = try Paging.parse(limit: query["limit"], offset: query["offset"])
        let page = try await self.deps.registry.devices(ownerID: nil, status: nil, deviceType: nil, limit: paging.limit, offset: paging.offset)
        return (page.devices, page.total, paging)
    }

    static func status(_ text: String?) throws(IoTFlowError) -> DeviceStatus? {
        guard let text, !text.isEmpty else { return nil }
        guard let status = DeviceStatus(rawValue: text) else {
            throw .badRequest("'status' must be one of active, inactive, maintenance.")
        }
        return status
    }
}
