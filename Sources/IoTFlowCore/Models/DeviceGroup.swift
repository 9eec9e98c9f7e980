/// A named set of one user's devices.
public struct DeviceGroup: Sendable, Equatable {
    /// Integer id.
    public var id: Int64
    /// Owner's numeric id.
    public var ownerID: Int64
    /// Owner's public id, shown as `user_id`.
    public var ownerPublicID: String
    /// Unique per owner.
    public var name: String
    /// Free text.
    public var description: String?
    /// `#RRGGBB`.
    public var color: String
    /// Creation time, epoch ms.
    public var createdAt: Int64
    /// Last change, epoch ms.
    public var updatedAt: Int64
    /// Number of member devices.
    public var deviceCount: Int

    /// Creates a group value.
    public init(
        id: Int64, ownerID: Int64, ownerPublicID: String, name: String, description: String?, color: String, createdAt: Int64, updatedAt: Int64,
        deviceCount: Int
    ) {
        self.id = id
        self.ownerID = ownerID
        self.ownerPublicID = ownerPublicID
        self.name = name
        self.description = description
        self.color = color
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deviceCount = deviceCount
    }
}

/// What is needed to create a group.
public struct NewGroup: Sendable {
    /// Owner's numeric id.
    public var ownerID: Int64
    /// Name, unique per owner.
    public var name: String
    /// Free text.
    public var description: String?
    /// `#RRGGBB`.
    public var color: String
    /// Creation time, epoch ms.
    public var createdAt: Int64

    /// Creates the input of a group creation.
    public init(ownerID: Int64, name: String, description: String?, color: String, createdAt: Int64) {
        self.ownerID = ownerID
        self.name = name
        self.description = description
        self.color = color
        self.createdAt = createdAt
    }
}

/// Changes to a group; nil leaves a field unchanged.
public struct GroupChanges: Sendable, Equatable {
    /// New name.
    public var name: String?
    /// New description; `.some(nil)` clears it.
    public var description: String??
    /// New color.
    public var color: String?

    /// No changes.
    public init() {}
}

/// A device's membership in a group.
public struct GroupMembership: Sendable, Equatable {
    /// Membership id.
    public var id: Int64
    /// The group.
    public var groupID: Int64
    /// The device.
    public var deviceID: Int64
    /// When it was added, epoch ms.
    public var addedAt: Int64

    /// Creates the value.
    public init(id: Int64, groupID: Int64, deviceID: Int64, addedAt: Int64) {
        self.id = id
        self.groupID = groupID
        self.deviceID = deviceID
        self.addedAt = addedAt
    }
}

/// A member device with the time it joined the group.
public struct GroupMember: Sendable, Equatable {
    /// The device.
    public var device: Device
    /// When it was added, epoch ms.
    public var addedAt: Int64

    /// Creates the value.
    public init(device: Device, addedAt: Int64) {
        self.device = device
        self.addedAt = addedAt
    }
}
