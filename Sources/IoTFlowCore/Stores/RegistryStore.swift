/// Users, tokens, devices and their configuration. Implementations: SQLite (embedded), PostgreSQL.
///
/// Writes that would break a uniqueness rule throw ``UniqueViolation`` naming the field.
public protocol RegistryStore: Sendable {
    /// Inserts a user; throws ``UniqueViolation`` for `username` or `email`.
    func createUser(_ user: NewUser) async throws -> User
    /// The user with this numeric id.
    func user(id: Int64) async throws -> User?
    /// The user with this public id.
    func user(publicID: String) async throws -> User?
    /// The user whose username or email matches `login` case-insensitively.
    func user(login: String) async throws -> User?
    /// A page of users by id, and the total count.
    func users(limit: Int, offset: Int) async throws -> (users: [User], total: Int)
    /// Stores every field of `user`; throws ``UniqueViolation`` for `username` or `email`.
    func updateUser(_ user: User) async throws
    /// Deletes the user with its tokens and devices (their memberships and config included).
    func deleteUser(id: Int64) async throws

    /// Stores a token hash for a user.
    func createToken(hash: String, userID: Int64, createdAt: Int64, expiresAt: Int64) async throws
    /// The active user owning an unexpired token, with the token's expiry.
    func session(tokenHash: String, now: Int64) async throws -> TokenSession?
    /// Revokes one token.
    func deleteToken(hash: String) async throws
    /// Revokes every token of a user.
    func deleteTokens(userID: Int64) async throws

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
    /// Raises `last_seen` of each device to the given time (never lowers it).
    func markSeen(_ lastSeen: [Int64: Int64]) async throws
    /// The device's configuration document.
    func deviceConfig(id: Int64) async throws -> DeviceConfig
    /// Replaces the device's configuration document.
    func setDeviceConfig(id: Int64, json: String, now: Int64) async throws
    /// The groups a device belongs to.
    func groups(ofDevice id: Int64) async throws -> [GroupMembershipSummary]
    /// Device totals for status pages.
    func deviceCounts(onlineSince: Int64) async throws -> DeviceCounts
    /// Totals of users, devices and groups for the admin statistics.
    func registryCounts(onlineSince: Int64) async throws -> RegistryCounts

    /// Inserts a group; throws ``UniqueViolation`` for `name` when the owner already has one so named.
    func createGroup(_ group: NewGroup) async throws -> DeviceGroup
    /// The group with this id.
    func group(id: Int64) async throws -> DeviceGroup?
    /// A page of an owner's groups by id, and the total.
    func groups(ownerID: Int64, limit: Int, offset: Int) async throws -> (groups: [DeviceGroup], total: Int)
    /// Applies `changes`; returns the updated group, nil when it does not exist.
    func updateGroup(id: Int64, changes: GroupChanges, now: Int64) async throws -> DeviceGroup?
    /// Deletes the group and its memberships (not the devices).
    func deleteGroup(id: Int64) async throws
    /// Adds one device; throws ``UniqueViolation`` (`member`) when it already belongs to the group.
    func addMember(groupID: Int64, deviceID: Int64, now: Int64) async throws -> GroupMembership
    /// Adds devices that are not yet members; returns the ids actually added.
    func addMembers(groupID: Int64, deviceIDs: [Int64], now: Int64) async throws -> Set<Int64>
    /// Removes a device from a group; false when it was not a member.
    func removeMember(groupID: Int64, deviceID: Int64) async throws -> Bool
    /// A page of a group's members by join time, and the total.
    func members(groupID: Int64, limit: Int, offset: Int) async throws -> (members: [GroupMember], total: Int)
    /// All members of several groups in one round trip.
    func members(groupIDs: [Int64]) async throws -> [Int64: [GroupMember]]

    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
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

/// A group a device belongs to, as listed under the device.
public struct GroupMembershipSummary: Sendable, Equatable {
    /// Group id.
    public var groupID: Int64
    /// Group name.
    public var name: String
    /// `#RRGGBB`.
    public var color: String?
    /// When the device was added, epoch ms.
    public var addedAt: Int64

    /// Creates the value.
    public init(groupID: Int64, name: String, color: String?, addedAt: Int64) {
        self.groupID = groupID
        self.name = name
        self.color = color
        self.addedAt = addedAt
    }
}

/// Device totals.
public struct DeviceCounts: Sendable, Equatable {
    /// All devices.
    public var total: Int
    /// Seen since the online threshold.
    public var online: Int

    /// Creates the value.
    public init(total: Int, online: Int) {
        self.total = total
        self.online = online
    }
}

extension RegistryStore {
    /// The active user owning an unexpired token.
    public func user(tokenHash: String, now: Int64) async throws -> User? {
        try await self.session(tokenHash: tokenHash, now: now)?.user
    }
}
