/// Device groups and their memberships. Implementations: SQLite (embedded), PostgreSQL.
///
/// Members are devices of the ``DeviceStore`` in the same database. Writes that would break a uniqueness rule
/// throw ``UniqueViolation`` naming the field.
public protocol GroupStore: Sendable {
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
    /// Deletes every group of an owner with their memberships (not the devices).
    func deleteGroups(ownerID: Int64) async throws
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
    /// The groups a device belongs to, by name.
    func groups(ofDevice id: Int64) async throws -> [GroupMembershipSummary]
    /// All groups.
    func groupCount() async throws -> Int

    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
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
