/// Device registration, ownership, keys, configuration and liveness.
public struct DeviceService: Sendable {
    let deps: Dependencies

    /// Creates the service.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// Largest accepted device configuration document, in bytes of JSON.
    public static let maxConfigBytes = 64 * 1024

    /// Registers a device for `owner`; returns it with its API key, shown this once.
    public func register(owner: User, _ command: RegisterDevice) async throws -> (device: Device, apiKey: String) {
        try await RateLimiter(cache: self.deps.cache).check(
            "device-registration:\(owner.id)", perMinute: self.deps.settings.rateLimits.deviceRegistrationsPerUser
        )
        let name = try Text.required(command.name, field: "name", maxBytes: 100)
        let deviceType = try Text.required(command.deviceType, field: "device_type", maxBytes: 50)
        let apiKey = Secrets.newAPIKey()
        let now = self.deps.clock.nowMilliseconds()
        let new = NewDevice(
            ownerID: owner.id, name: name, description: try Text.optional(command.description, field: "description", maxBytes: 1000),
            deviceType: deviceType, location: try Text.optional(command.location, field: "location", maxBytes: 200),
            firmwareVersion: try Text.optional(command.firmwareVersion, field: "firmware_version", maxBytes: 50),
            hardwareVersion: try Text.optional(command.hardwareVersion, field: "hardware_version", maxBytes: 50),
            apiKeyHash: Secrets.sha256Hex(apiKey), createdAt: now
        )
        let device: Device
        do {
            device = try await self.deps.devices.createDevice(new)
        } catch is UniqueViolation {
            throw IoTFlowError.conflict("You already have a device named '\(name)'.")
        }
        self.deps.events.record(
            Event(
                type: EventType.deviceRegistered, timestamp: now, userPublicID: owner.publicID, deviceID: device.id,
                details: ["name": .string(name), "device_type": .string(deviceType)]
            )
        )
        return (device, apiKey)
    }

    /// The device behind an API key; 401 when the key is unknown.
    public func authenticate(apiKey: String) async throws -> AuthenticatedDevice {
        try await self.authenticate(keyHash: Secrets.sha256Hex(apiKey))
    }

    /// The device behind an API key's SHA-256 (hex), for a connection that keeps the hash rather than the key to
    /// check again later; 401 when no device has it (any more).
    public func authenticate(keyHash hash: String) async throws -> AuthenticatedDevice {
        if let cached = await self.deps.cache.device(keyHash: hash) { return cached }
        let readStartedAt = self.deps.clock.nowMilliseconds()
        guard let found = try await self.deps.devices.device(apiKeyHash: hash) else {
            throw IoTFlowError.unauthorized("The API key is invalid.")
        }
        await self.deps.cache.storeDevice(found, keyHash: hash, readStartedAt: readStartedAt)
        return found
    }

    /// The device with this id, or 404.
    public func find(_ id: Int64) async throws -> Device {
        guard let device = try await self.deps.devices.device(id: id) else { throw Access.deviceNotFound(id) }
        return device
    }

    /// A device its owner or an admin may see.
    public func device(_ id: Int64, principal: Principal) async throws -> Device {
        let device = try await self.find(id)
        try Access.requireOwnerOrAdmin(device, principal)
        return device
    }

    /// A device the principal may read telemetry of (itself, owner or admin).
    public func readableDevice(_ id: Int64, principal: Principal) async throws -> Device {
        // A device may read only itself, and it was just authenticated: no registry round trip needed.
        if case .device(let caller) = principal {
            guard caller.device.id == id else { throw Access.deviceNotFound(id) }
            return caller.device
        }
        let device = try await self.find(id)
        try Access.requireReader(device, principal)
        return device
    }

    /// A device only its owner may change.
    public func ownedDevice(_ id: Int64, principal: Principal) async throws -> Device {
        let device = try await self.find(id)
        try Access.requireOwner(device, principal)
        return device
    }

    /// The devices of a user, filtered and paged.
    public func devices(ofUser publicID: String, principal: Principal, filter: DeviceFilter) async throws -> (owner: User, page: Page<Device>) {
        let owner = try await AccountService(self.deps).user(publicID: publicID, principal: principal)
        let status = try filter.status.flatMap { name throws(IoTFlowError) in name.isEmpty ? nil : try Text.status(name) }
        let deviceType = filter.deviceType.flatMap { $0.isEmpty ? nil : $0 }
        let paging = filter.page.paging()
        let found = try await self.deps.devices.devices(
            ownerID: owner.id, status: status, deviceType: deviceType, limit: paging.limit, offset: paging.offset
        )
        return (owner, Page(items: found.devices, total: found.total, paging: paging))
    }

    /// Updates descriptive fields (owner), or also `status` when `allowStatus` (admin route).
    public func update(_ id: Int64, _ update: DeviceUpdate, principal: Principal, allowStatus: Bool = false) async throws -> Device {
        let device = try await (allowStatus ? self.device(id, principal: principal) : self.ownedDevice(id, principal: principal))
        var changes = DeviceChanges()
        changes.name = try Text.replacement(update.name, field: "name", maxBytes: 100)
        changes.deviceType = try Text.replacement(update.deviceType, field: "device_type", maxBytes: 50)
        changes.description = try Text.clearable(update.description, field: "description", maxBytes: 1000)
        changes.location = try Text.clearable(update.location, field: "location", maxBytes: 200)
        changes.firmwareVersion = try Text.clearable(update.firmwareVersion, field: "firmware_version", maxBytes: 50)
        changes.hardwareVersion = try Text.clearable(update.hardwareVersion, field: "hardware_version", maxBytes: 50)
        if allowStatus {
            changes.status = try Text.status(update.status)
        } else if update.status.isSent {
            throw IoTFlowError.badRequest(
                "'status' cannot be set here: a device sets its own through PUT /devices/config, an admin through PUT /admin/devices/{id}/status."
            )
        }
        let updated = try await self.apply(changes, to: device)
        self.deps.events.record(
            Event(type: EventType.deviceUpdated, timestamp: updated.updatedAt, userPublicID: device.ownerPublicID, deviceID: id)
        )
        if let status = changes.status, status != device.status {
            self.recordStatusChange(device: device, from: device.status, to: status, ownerPublicID: device.ownerPublicID)
        }
        return updated
    }

    /// Deletes a device with its telemetry (owner, or admin when `asAdmin`).
    public func delete(_ id: Int64, principal: Principal, asAdmin: Bool = false) async throws {
        let device = try await (asAdmin ? self.device(id, principal: principal) : self.ownedDevice(id, principal: principal))
        let ownerPublicID = device.ownerPublicID
        try await self.deps.devices.deleteDevice(id: id)
        await self.deps.cache.invalidateDevice(id: id)
        await self.deps.cache.invalidateLatest(deviceID: id)
        await self.deps.cache.forgetOnline(deviceIDs: [id])
        try await self.deps.telemetry.deleteAll(deviceIDs: [id])
        self.deps.keyBudget.forget(deviceID: id)
        await AlertService(self.deps).devicesDeleted([id])
        self.deps.events.record(
            Event(
                type: EventType.deviceDeleted, timestamp: self.deps.clock.nowMilliseconds(), userPublicID: ownerPublicID, deviceID: id,
                details: ["name": .string(device.name)]
            )
        )
    }

    /// Replaces the device's key; the old key stops working at once.
    public func rotateKey(_ id: Int64, principal: Principal) async throws -> String {
        let device = try await self.ownedDevice(id, principal: principal)
        let apiKey = Secrets.newAPIKey()
        let now = self.deps.clock.nowMilliseconds()
        try await self.deps.devices.setDeviceKey(id: id, apiKeyHash: Secrets.sha256Hex(apiKey), now: now)
        await self.deps.cache.invalidateDevice(id: id)
        self.deps.events.record(Event(type: EventType.deviceKeyRotated, timestamp: now, userPublicID: device.ownerPublicID, deviceID: id))
        return apiKey
    }

    /// Whether the device was seen within the online window.
    public func isOnline(_ device: Device) -> Bool {
        guard let lastSeen = device.lastSeen else { return false }
        return lastSeen >= self.deps.clock.nowMilliseconds() - Int64(self.deps.settings.onlineWindowSeconds) * 1000
    }

    /// The groups a device belongs to (owner).
    public func groups(_ id: Int64, principal: Principal) async throws -> (device: Device, groups: [GroupMembershipSummary]) {
        let device = try await self.ownedDevice(id, principal: principal)
        return (device, try await self.deps.groups.groups(ofDevice: id))
    }

    /// The calling device's configuration.
    public func config(of device: AuthenticatedDevice) async throws -> DeviceConfig {
        try await self.deps.devices.deviceConfig(id: device.device.id)
    }

    /// Applies a device's own update: status, location, versions and config.
    public func updateOwnConfig(_ caller: AuthenticatedDevice, _ update: DeviceSelfUpdate) async throws -> Device {
        var changes = DeviceChanges()
        changes.status = try Text.status(update.status)
        changes.location = try Text.clearable(update.location, field: "location", maxBytes: 200)
        changes.firmwareVersion = try Text.clearable(update.firmwareVersion, field: "firmware_version", maxBytes: 50)
        changes.hardwareVersion = try Text.clearable(update.hardwareVersion, field: "hardware_version", maxBytes: 50)
        var configText: String?
        switch update.config {
        case .unchanged: break
        case .cleared: throw IoTFlowError.badRequest("Field 'config' must be an object, not null.")
        case .set(let object): configText = try Self.configText(object)
        }
        let device = try await self.find(caller.device.id)
        if let configText {
            try await self.storeConfig(configText, of: device)
        }
        let updated = try await self.apply(changes, to: device)
        if let status = changes.status, status != device.status {
            self.recordStatusChange(device: device, from: device.status, to: status, ownerPublicID: caller.ownerPublicID)
        }
        return updated
    }

    /// A device's configuration, for its owner or an admin.
    public func config(_ id: Int64, principal: Principal) async throws -> DeviceConfig {
        let device = try await self.device(id, principal: principal)
        return try await self.deps.devices.deviceConfig(id: device.id)
    }

    /// Replaces a device's configuration (owner); a device connected over MQTT and subscribed to it gets it at once.
    public func setConfig(_ id: Int64, principal: Principal, config: FieldChange<JSONObject>) async throws -> DeviceConfig {
        let text: String
        switch config {
        case .unchanged: throw IoTFlowError.badRequest("Field 'config' is required.")
        case .cleared: throw IoTFlowError.badRequest("Field 'config' must be an object, not null.")
        case .set(let object): text = try Self.configText(object)
        }
        let device = try await self.ownedDevice(id, principal: principal)
        try await self.storeConfig(text, of: device)
        return try await self.deps.devices.deviceConfig(id: device.id)
    }

    private static func configText(_ object: JSONObject) throws(IoTFlowError) -> String {
        let text = JSONWriter.string(.object(object))
        guard text.utf8.count <= Self.maxConfigBytes else {
            throw IoTFlowError.badRequest("Field 'config' is larger than \(Self.maxConfigBytes) bytes.")
        }
        return text
    }

    private func storeConfig(_ text: String, of device: Device) async throws {
        let now = self.deps.clock.nowMilliseconds()
        try await self.deps.devices.setDeviceConfig(id: device.id, json: text, now: now)
        self.deps.events.record(Event(type: EventType.deviceConfigUpdated, timestamp: now, userPublicID: device.ownerPublicID, deviceID: device.id))
        self.deps.liveFeed.deviceConfigChanged(deviceID: device.id)
    }

    /// Sets a device's status (admin route); returns the old and new status.
    public func setStatus(_ id: Int64, to status: FieldChange<String>, principal: Principal) async throws -> (old: DeviceStatus, new: DeviceStatus) {
        try Access.requireAdmin(principal)
        let device = try await self.find(id)
        guard let status = try Text.status(status) else {
            throw IoTFlowError.badRequest("Field 'status' is required.")
        }
        var changes = DeviceChanges()
        changes.status = status
        _ = try await self.apply(changes, to: device)
        if status != device.status {
            self.recordStatusChange(device: device, from: device.status, to: status, ownerPublicID: device.ownerPublicID)
        }
        return (device.status, status)
    }

    /// Records that the device is alive now.
    public func heartbeat(_ caller: AuthenticatedDevice) async throws -> Int64 {
        let now = self.deps.clock.nowMilliseconds()
        try await self.deps.devices.markSeen([caller.device.id: now])
        await self.deps.cache.markOnline([caller.device.id: now])
        return now
    }

    /// Records that these devices are alive now (connected over MQTT, say).
    public func seen(_ deviceIDs: [Int64]) async throws {
        guard !deviceIDs.isEmpty else { return }
        let now = self.deps.clock.nowMilliseconds()
        let lastSeen = Dictionary(deviceIDs.map { ($0, now) }, uniquingKeysWith: { first, _ in first })
        try await self.deps.devices.markSeen(lastSeen)
        await self.deps.cache.markOnline(lastSeen)
    }

    private func apply(_ changes: DeviceChanges, to device: Device) async throws -> Device {
        guard !changes.isEmpty else { return device }
        do {
            guard let updated = try await self.deps.devices.updateDevice(id: device.id, changes: changes, now: self.deps.clock.nowMilliseconds())
            else { throw Access.deviceNotFound(device.id) }
            await self.deps.cache.invalidateDevice(id: device.id)
            return updated
        } catch is UniqueViolation {
            throw IoTFlowError.conflict("You already have a device named '\(changes.name ?? device.name)'.")
        }
    }

    private func recordStatusChange(device: Device, from old: DeviceStatus, to new: DeviceStatus, ownerPublicID: String?) {
        self.deps.events.record(
            Event(
                type: EventType.deviceStatusChanged, timestamp: self.deps.clock.nowMilliseconds(), userPublicID: ownerPublicID, deviceID: device.id,
                details: ["old_status": .string(old.rawValue), "new_status": .string(new.rawValue)]
            )
        )
    }
}
