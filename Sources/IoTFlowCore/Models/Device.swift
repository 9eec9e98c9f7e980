/// Lifecycle state of a device; only `active` devices may write telemetry.
public enum DeviceStatus: String, Sendable, CaseIterable {
    case active
    case inactive
    case maintenance
}

/// A device registered by a user. The API key itself is never stored, only its SHA-256.
public struct Device: Sendable, Equatable {
    /// Integer primary key, the API's device id.
    public var id: Int64
    /// Owner's numeric id.
    public var ownerID: Int64
    /// Owner's public 32-hex id, shown as the device's `user_id`.
    public var ownerPublicID: String
    /// Unique per owner.
    public var name: String
    /// Free text.
    public var description: String?
    /// E.g. "sensor".
    public var deviceType: String
    /// Lifecycle state.
    public var status: DeviceStatus
    /// Free text.
    public var location: String?
    /// Free text.
    public var firmwareVersion: String?
    /// Free text.
    public var hardwareVersion: String?
    /// Creation time, epoch ms.
    public var createdAt: Int64
    /// Last change of the registry record, epoch ms.
    public var updatedAt: Int64
    /// Last telemetry or heartbeat as persisted, epoch ms.
    public var lastSeen: Int64?

    /// Creates a device value.
    public init(
        id: Int64, ownerID: Int64, ownerPublicID: String, name: String, description: String?, deviceType: String, status: DeviceStatus,
        location: String?,
        firmwareVersion: String?, hardwareVersion: String?, createdAt: Int64, updatedAt: Int64, lastSeen: Int64?
    ) {
        self.id = id
        self.ownerID = ownerID
        self.ownerPublicID = ownerPublicID
        self.name = name
        self.description = description
        self.deviceType = deviceType
        self.status = status
        self.location = location
        self.firmwareVersion = firmwareVersion
        self.hardwareVersion = hardwareVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastSeen = lastSeen
    }
}

/// The editable descriptive fields of a device; nil leaves a field unchanged.
public struct DeviceChanges: Sendable, Equatable {
    /// New name.
    public var name: String?
    /// New description; `.some(nil)` clears it.
    public var description: String??
    /// New type.
    public var deviceType: String?
    /// New location; `.some(nil)` clears it.
    public var location: String??
    /// New firmware version; `.some(nil)` clears it.
    public var firmwareVersion: String??
    /// New hardware version; `.some(nil)` clears it.
    public var hardwareVersion: String??
    /// New status.
    public var status: DeviceStatus?

    /// No changes.
    public init() {}

    /// Whether nothing would change.
    public var isEmpty: Bool {
        self.name == nil && self.description == nil && self.deviceType == nil && self.location == nil && self.firmwareVersion == nil
            && self.hardwareVersion == nil && self.status == nil
    }
}

/// A device found by its key, with what the write path needs to know about its owner.
public struct AuthenticatedDevice: Sendable, Equatable {
    /// The device.
    public var device: Device
    /// Whether the owner is active; devices of deactivated users may not write.
    public var ownerIsActive: Bool
    /// Owner's public id.
    public var ownerPublicID: String
    /// Owner's username.
    public var ownerUsername: String

    /// Creates the value.
    public init(device: Device, ownerIsActive: Bool, ownerPublicID: String, ownerUsername: String) {
        self.device = device
        self.ownerIsActive = ownerIsActive
        self.ownerPublicID = ownerPublicID
        self.ownerUsername = ownerUsername
    }
}

/// A device's free-form configuration document.
public struct DeviceConfig: Sendable, Equatable {
    /// The JSON object as stored.
    public var json: JSONObject
    /// Last change, epoch ms; nil when never set.
    public var updatedAt: Int64?

    /// Creates the value.
    public init(json: JSONObject, updatedAt: Int64?) {
        self.json = json
        self.updatedAt = updatedAt
    }
}
