/// Devices, their keys, configuration and last contact. Implementations: SQLite (embedded), PostgreSQL.
///
/// A device's owner lives in the ``AccountStore`` of the same database: reads join it for the owner's public id
/// and state. Writes that would break a uniqueness rule throw ``UniqueViolation`` naming the field.
public protocol DeviceStore: Sendable {
    /// Inserts a device; throws ``UniqueViolation`` for `name` when the owner already has one so named.
    func createDevice(_ device: NewDevice) async throws -> Device
    /// The device with this id.
    func device(id: Int64) async throws -> Device?
    /// The device whose key hashes to `apiKeyHash`, with its owner's state.
    func device(apiKeyHash: String) async throws -> AuthenticatedDevice?
    /// A page of devices (of one owner when `ownerID` is set), filtered, and the total matching.
    func devices(
        ownerID: Int64?, status: DeviceStatus?, deviceType: String?, limit: Int, offset: Int
    ) async throws -> (devices: [Device], total: Int)
    /// The devices with these ids, in no particular order; missing ids are left out.
    func devices(ids: [Int64]) async throws -> [Device]
    /// Which of `ids` exist and belong to `ownerID`.
    func ownedDeviceIDs(_ ids: [Int64], ownerID: Int64) async throws -> Set<Int64>
    /// The ids of an owner's devices.
    func deviceIDs(ownerID: Int64) async throws -> [Int64]
    /// Applies `changes`; returns the updated device, nil when it does not exist.
    func updateDevice(id: Int64, changes: DeviceChanges, now: Int64) async throws -> Device?
    /// Replaces the key hash.
    func setDeviceKey(id: Int64, apiKeyHash: String, now: Int64) async throws
    /// Deletes the device, its memberships and config.
    func deleteDevice(id: Int64) async throws
    /// Deletes every device of an owner, with their memberships and config.
    func deleteDevices(ownerID: Int64) async throws
    /// Raises `last_seen` of each device to the given time (never lowers it).
    func markSeen(_ lastSeen: [Int64: Int64]) async throws
    /// The device's configuration document.
    func deviceConfig(id: Int64) async throws -> DeviceConfig
    /// Replaces the device's configuration document.
    func setDeviceConfig(id: Int64, json: String, now: Int64) async throws
    /// Device totals by status and contact.
    func deviceCounts(onlineSince: Int64) async throws -> DeviceCounts

    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
}

/// Device totals.
public struct DeviceCounts: Sendable, Equatable {
    /// Devices per status (every status present, 0 when none).
    public var byStatus: [DeviceStatus: Int]
    /// Seen since the online threshold.
    public var online: Int

    /// Creates the value.
    public init(byStatus: [DeviceStatus: Int], online: Int) {
        self.byStatus = byStatus
        self.online = online
    }

    /// All devices.
    public var total: Int { self.byStatus.values.reduce(0, +) }
}

/// What is needed to create a device.
public struct NewDevice: Sendable {
    /// Owner's numeric id.
    public var ownerID: Int64
    /// Unique per owner.
    public var name: String
    /// Free text.
    public var description: String?
    /// Device type.
    public var deviceType: String
    /// Free text.
    public var location: String?
    /// Free text.
    public var firmwareVersion: String?
    /// Free text.
    public var hardwareVersion: String?
    /// SHA-256 hex of the key.
    public var apiKeyHash: String
    /// Creation time, epoch ms.
    public var createdAt: Int64

    /// Creates the input of a device registration.
    public init(
        ownerID: Int64, name: String, description: String?, deviceType: String, location: String?, firmwareVersion: String?,
        hardwareVersion: String?, apiKeyHash: String, createdAt: Int64
    ) {
        self.ownerID = ownerID
        self.name = name
        self.description = description
        self.deviceType = deviceType
        self.location = location
        self.firmwareVersion = firmwareVersion
        self.hardwareVersion = hardwareVersion
        self.apiKeyHash = apiKeyHash
        self.createdAt = createdAt
    }
}
