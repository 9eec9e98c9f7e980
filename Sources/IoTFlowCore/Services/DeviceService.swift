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
    public func register(owner: User, body: JSONValue) async throws -> (device: Device, apiKey: String) {
        try await RateLimiter(cache: self.deps.cache).check(
            "device-registration:\(owner.id)", perMinute: self.deps.settings.rateLimits.deviceRegistrationsPerUser
        )
        let fields = try FieldReader(body: body)
        let name = try fields.requiredString("name", maxLength: 100)
        let deviceType = try fields.requiredString("device_type", maxLength: 50)
        let apiKey = Secrets.newAPIKey()
        let now = self.deps.clock.nowMilliseconds()
        let new = NewDevice(
            ownerID: owner.id, name: name, description: try fields.optionalString("description", maxLength: 1000), deviceType: deviceType,
            location: try fields.optionalString("location", maxLength: 200),
            firmwareVersion: try fields.optionalString("firmware_version", maxLength: 50),
            hardwareVersion: try fields.optionalString("hardware_version", maxLength: 50), apiKeyHash: Secrets.sha256Hex(apiKey), createdAt: now
        )
        let device: Device
        do {
            device = try await self.deps.registry.createDevice(new)
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
        let hash = Secrets.sha256Hex(apiKey)
        if let cached = await self.deps.cache.device(keyHash: hash) { return cached }
        let readStartedAt = self.deps.clock.nowMilliseconds()
        guard let found = try await self.deps.registry.device(apiKeyHash: hash) else {
            throw IoTFlowError.unauthorized("The API key is invalid.")
        }
        await self.deps.cache.storeDevice(found, keyHash: hash, readStartedAt: readStartedAt)
        return found
    }

    /// The device with this id, or 404.
    public func find(_ id: Int64) async throws -> Device {
        guard let device = try await self.deps.registry.device(id: id) else { throw Access.deviceNotFound(id) }
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
    public func devices(
        ofUser publicID: String, principal: Principal, query: [String: String]
    ) async throws -> (owner: User, devices: [Device], total: Int, paging: Paging) {
        let owner = try await AccountService(self.deps).user(publicID: publicID, principal: principal)
        var status: DeviceStatus?
        if let text = query["status"], !text.isEmpty {
            guard let parsed = DeviceStatus(rawValue: text) else {
                throw IoTFlowError.badRequest("'status' must be one of active, inactive, maintenance.")
            }
            status = parsed
        }
        let deviceType = query["device_type"].flatMap { $0.isEmpty ? nil : $0 }
        let paging = try Paging.parse(limit: query["limit"], offset: query["offset"])
        let page = try await self.deps.registry.devices(
            ownerID: owner.id, status: status, deviceType: deviceType, limit: paging.limit, offset: paging.offset
        )
        return (owner, page.devices, page.total, paging)
    }

    /// Updates descriptive fields (owner), or also `status` when `allowStatus` (admin route).
    public func update(_ id: Int64, body: JSONValue, principal: Principal, allowStatus: Bool = false) async throws -> Device {
        let device = try await (allowStatus ? self.device(id, principal: principal) : self.ownedDevice(id, principal: principal))
        let fields = try FieldReader(body: body)
        var changes = DeviceChanges()
        changes.name = try fields.replacementString("name", maxLength: 100)
        changes.deviceType = try fields.replacementString("device_type", maxLength: 50)
        changes.description = try fields.nullableString("description", maxLength: 1000)
        changes.location = try fields.nullableString("location", maxLength: 200)
        changes.firmwareVersion = try fields.nullableString("firmware_version", maxLength: 50)
        changes.hardwareVersion = try fields.nullableString("hardware_version", maxLength: 50)
        if allowStatus {
            changes.status = try fields.optionalStatus()
        } else if fields.has("status") {
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
        try await self.deps.registry.deleteDevice(id: id)
        await self.deps.cache.invalidateDevice(id: id)
        await self.deps.cache.invalidateLatest(deviceID: id)
        await self.deps.cache.forgetOnline(deviceIDs: [id])
        try await self.deps.telemetry.deleteAll(deviceIDs: [id])
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
        try await self.deps.registry.setDeviceKey(id: id, apiKeyHash: Secrets.sha256Hex(apiKey), now: now)
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
        return (device, try await self.deps.registry.groups(ofDevice: id))
    }

    /// The calling device's configuration.
    public func config(of device: AuthenticatedDevice) async throws -> DeviceConfig {
        try await self.deps.registry.deviceConfig(id: device.device.id)
    }

    /// Applies a device's own update: status, location, versions and config.
    public func updateOwnConfig(_ caller: AuthenticatedDevice, body: JSONValue) async throws -> Device {
        let fields = try FieldReader(body: body)
        var changes = DeviceChanges()
        changes.status = try fields.optionalStatus()
        changes.location = try fields.nullableString("location", maxLength: 200)
        changes.firmwareVersion = try fields.nullableString("firmware_version", maxLength: 50)
        changes.hardwareVersion = try fields.nullableString("hardware_version", maxLength: 50)
        var configText: String?
        switch fields.object["config"] {
        case nil: break
        case .object(let object)?:
            let text = JSONWriter.string(.object(object))
            guard text.utf8.count <= Self.maxConfigBytes else {
                throw IoTFlowError.badRequest("Field 'config' is larger than \(Self.maxConfigBytes) bytes.")
            }
            configText = text
        case let other?: throw IoTFlowError.badRequest("Field 'config' must be an object, not \(other.typeName).")
        }
        let device = try await self.find(caller.device.id)
        let now = self.deps.clock.nowMilliseconds()
        if let configText {
            try await self.deps.registry.setDeviceConfig(id: device.id, json: configText, now: now)
            self.deps.events.record(
                Event(type: EventType.deviceConfigUpdated, timestamp: now, userPublicID: caller.ownerPublicID, deviceID: device.id))
        }
        let updated = try await self.apply(changes, to: device)
        if let status = changes.status, status != device.status {
            self.recordStatusChange(device: device, from: device.status, to: status, ownerPublicID: caller.ownerPublicID)
        }
        return updated
    }

    /// Sets a device's status (admin route); returns the old and new status.
    public func setStatus(_ id: Int64, body: JSONValue, principal: Principal) async throws -> (old: DeviceStatus, new: DeviceStatus) {
        try Access.requireAdmin(principal)
        let device = try await self.find(id)
        guard let status = try FieldReader(body: body).optionalStatus() else {
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
        try await self.deps.registry.markSeen([caller.device.id: now])
        await self.deps.cache.markOnline([caller.device.id: now])
        return now
    }

    private func apply(_ changes: DeviceChanges, to device: Device) async throws -> Device {
        guard !changes.isEmpty else { return device }
        do {
            guard let updated = try await self.deps.registry.updateDevice(id: device.id, changes: changes, now: self.deps.clock.nowMilliseconds())
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
