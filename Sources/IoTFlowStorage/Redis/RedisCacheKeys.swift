/// The Redis key names of the cache role, all under one prefix.
///
/// Entries that invalidations must reach also carry the cache generation: bumping it (after this
/// instance may have missed applying an invalidation) makes every older entry unreachable at once;
/// they then expire by their TTL.
struct RedisCacheKeys: Sendable {
    let prefix: String

    /// The generation counter.
    var generation: String { self.prefix + "generation" }
    /// The pub/sub channel of invalidations.
    var invalidationChannel: String { self.prefix + "invalidations" }
    /// Devices by last seen (sorted set, score = epoch ms).
    var online: String { self.prefix + "online" }
    /// Since when (epoch ms) the online set has been kept without a gap.
    var onlineSince: String { self.prefix + "online:since" }

    func rate(_ key: String, windowStart: Int64) -> String { self.prefix + "rate:\(key):\(windowStart)" }

    func device(_ keyHash: String, generation: Int64) -> String { self.prefix + "g\(generation):device:\(keyHash)" }
    /// The key hashes cached for a device (a set), so invalidating by id finds them.
    func deviceKeys(_ id: some CustomStringConvertible, generation: Int64) -> String { self.prefix + "g\(generation):device-keys:\(id)" }
    /// The devices cached for an owner (a set).
    func ownerDevices(_ ownerID: Int64, generation: Int64) -> String { self.prefix + "g\(generation):owner-devices:\(ownerID)" }
    func session(_ tokenHash: String, generation: Int64) -> String { self.prefix + "g\(generation):session:\(tokenHash)" }
    /// The token hashes cached for a user (a set).
    func userSessions(_ userID: Int64, generation: Int64) -> String { self.prefix + "g\(generation):user-sessions:\(userID)" }
    func latest(_ deviceID: Int64, generation: Int64) -> String { self.prefix + "g\(generation):latest:\(deviceID)" }

    /// When a thing was last invalidated (epoch ms): a read that began before then must not be cached.
    func tombstone(_ kind: String, _ id: String) -> String { self.prefix + "invalidated:\(kind):\(id)" }
}
