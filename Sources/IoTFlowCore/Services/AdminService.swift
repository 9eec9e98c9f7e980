/// Operator views and actions: all devices, statistics, the event log.
public struct AdminService: Sendable {
    let deps: Dependencies

    /// Creates the service.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// A page of all devices, filtered by `status` and owner `user_id`.
    public func devices(principal: Principal, filter: DeviceFilter) async throws -> Page<Device> {
        try Access.requireAdmin(principal)
        let status = try filter.status.flatMap { name throws(IoTFlowError) in name.isEmpty ? nil : try Text.status(name) }
        let paging = filter.page.paging()
        var ownerID: Int64?
        if let publicID = filter.ownerPublicID, !publicID.isEmpty {
            guard AccountService.isPublicID(publicID) else { throw IoTFlowError.badRequest("'user_id' must be a 32-character hex user id.") }
            guard let owner = try await self.deps.accounts.user(publicID: publicID) else { return Page(items: [], total: 0, paging: paging) }
            ownerID = owner.id
        }
        let found = try await self.deps.devices.devices(
            ownerID: ownerID, status: status, deviceType: nil, limit: paging.limit, offset: paging.offset)
        return Page(items: found.devices, total: found.total, paging: paging)
    }

    /// Any device.
    public func device(_ id: Int64, principal: Principal) async throws -> Device {
        try Access.requireAdmin(principal)
        return try await DeviceService(self.deps).find(id)
    }

    /// Updates any device, status included.
    public func updateDevice(_ id: Int64, principal: Principal, _ update: DeviceUpdate) async throws -> Device {
        try Access.requireAdmin(principal)
        return try await DeviceService(self.deps).update(id, update, principal: principal, allowStatus: true)
    }

    /// Sets any device's status.
    public func setDeviceStatus(
        _ id: Int64, to status: FieldChange<String>, principal: Principal
    ) async throws -> (old: DeviceStatus, new: DeviceStatus) {
        try Access.requireAdmin(principal)
        return try await DeviceService(self.deps).setStatus(id, to: status, principal: principal)
    }

    /// Deletes any device with its telemetry.
    public func deleteDevice(_ id: Int64, principal: Principal) async throws {
        try Access.requireAdmin(principal)
        try await DeviceService(self.deps).delete(id, principal: principal, asAdmin: true)
    }

    /// Everything `GET /admin/stats` reports.
    public struct Statistics: Sendable {
        /// Users.
        public var users: UserCounts
        /// Devices by status and contact.
        public var devices: DeviceCounts
        /// All groups.
        public var groups: Int
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
        /// Alerts by state.
        public var alerts: AlertStatistics
    }

    /// Consistent totals across the stores.
    public func statistics(principal: Principal) async throws -> Statistics {
        try Access.requireAdmin(principal)
        let now = self.deps.clock.nowMilliseconds()
        let onlineSince = now - Int64(self.deps.settings.onlineWindowSeconds) * 1000
        async let users = self.deps.accounts.userCounts()
        async let devices = self.deps.devices.deviceCounts(onlineSince: onlineSince)
        async let groups = self.deps.groups.groupCount()
        async let online = self.deps.cache.onlineDevices(since: onlineSince)
        async let points = self.deps.telemetry.counts(recentSince: now - 86_400_000)
        async let events = self.deps.eventStore.events(EventQuery(limit: 0)).total
        async let alerts = self.deps.alerts.statistics(resolvedSince: now - 86_400_000)
        var deviceCounts = try await devices
        if let online = await online { deviceCounts.online = online }
        return Statistics(
            users: try await users, devices: deviceCounts, groups: try await groups, pointsTotal: try await points.total,
            pointsLast24h: try await points.recent, cache: await self.deps.cache.statistics(),
            eventsTotal: try await events, eventQueue: self.deps.events.queueStatistics(), alerts: try await alerts
        )
    }

    /// The public totals of `GET /status`: devices (with those online) and stored values, each nil when its store
    /// does not answer (the page still shows the stores' state).
    public func publicTotals() async -> (devices: DeviceCounts?, pointsTotal: Int?) {
        let onlineSince = self.deps.clock.nowMilliseconds() - Int64(self.deps.settings.onlineWindowSeconds) * 1000
        var devices = try? await self.deps.devices.deviceCounts(onlineSince: onlineSince)
        if devices != nil, let online = await self.deps.cache.onlineDevices(since: onlineSince) { devices?.online = online }
        let points = try? await self.deps.telemetry.counts(recentSince: self.deps.clock.nowMilliseconds()).total
        return (devices, points)
    }

    /// A page of the event log, newest first.
    public func events(principal: Principal, filter: EventLogFilter) async throws -> Page<Event> {
        try Access.requireAdmin(principal)
        let paging = filter.page.paging()
        let now = self.deps.clock.nowMilliseconds()
        var query = EventQuery(limit: paging.limit, offset: paging.offset)
        if let type = filter.type, !type.isEmpty {
            guard EventType.all.contains(type) else {
                throw IoTFlowError.badRequest("'event_type' is not a known event type, such as device.registered or telemetry.submitted.")
            }
            query.type = type
        }
        query.deviceID = filter.deviceID
        if let user = filter.userPublicID, !user.isEmpty {
            guard AccountService.isPublicID(user) else { throw IoTFlowError.badRequest("'user_id' must be a 32-character hex user id.") }
            query.userPublicID = user
        }
        query.start = filter.start?.resolve(now: now)
        query.end = filter.end?.resolve(now: now)
        let found = try await self.deps.eventStore.events(query)
        return Page(items: found.events, total: found.total, paging: paging)
    }

    /// Event counts per type and bucket, counted in the event store.
    public func eventAnalytics(principal: Principal, filter: EventAnalyticsFilter) async throws -> EventAnalytics {
        try Access.requireAdmin(principal)
        let bucket: EventAnalytics.Bucket
        if let text = filter.bucket, !text.isEmpty {
            guard let parsed = EventAnalytics.Bucket(rawValue: text) else { throw IoTFlowError.badRequest("'bucket' must be 1h or 1d.") }
            bucket = parsed
        } else {
            bucket = .hour
        }
        var userPublicID: String?
        if let user = filter.userPublicID, !user.isEmpty {
            guard AccountService.isPublicID(user) else { throw IoTFlowError.badRequest("'user_id' must be a 32-character hex user id.") }
            userPublicID = user
        }
        let now = self.deps.clock.nowMilliseconds()
        let (start, end) = try TelemetryService.range(
            filter.start, filter.end, defaultStart: .ago(milliseconds: 7 * 86_400_000), endName: "end_time", now: now)
        // Only buckets with events become rows, so the answer grows with the event log, not with the range.
        let query = EventCountQuery(
            start: start, end: end, bucketMilliseconds: bucket.milliseconds, userPublicID: userPublicID, deviceID: filter.deviceID)
        let rows = start < end ? try await self.deps.eventStore.counts(query) : []
        return EventAnalytics(start: start, end: end, bucket: bucket, rows: rows)
    }

    /// A page of every device's status and liveness.
    public func statuses(principal: Principal, page: PageRequest) async throws -> Page<Device> {
        try Access.requireAdmin(principal)
        let paging = page.paging()
        let found = try await self.deps.devices.devices(ownerID: nil, status: nil, deviceType: nil, limit: paging.limit, offset: paging.offset)
        return Page(items: found.devices, total: found.total, paging: paging)
    }
}
