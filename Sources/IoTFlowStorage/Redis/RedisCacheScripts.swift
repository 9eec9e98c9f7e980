import RedisNIO

/// The Lua scripts of the cache role. Each runs atomically in Redis, so a read-then-write (compare a
/// tombstone, compare timestamps) cannot interleave with another instance's write.
enum RedisCacheScripts {
    /// KEYS: entry, index set 1, index set 2, tombstone 1, tombstone 2.
    /// ARGV: value, member of set 1, member of set 2, lifetime ms, read started at (ms), clock-skew margin ms.
    /// Stores the entry and indexes it unless a tombstone is newer than the read (less the margin for
    /// clock skew between instances). An index only ever lives longer, never shorter than its entries.
    static let store = RedisScript(
        """
        local since = tonumber(ARGV[5]) - tonumber(ARGV[6])
        for i = 4, 5 do
          local at = redis.call('GET', KEYS[i])
          if at and tonumber(at) >= since then return 0 end
        end
        local ttl = tonumber(ARGV[4])
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
        for i = 2, 3 do
          redis.call('SADD', KEYS[i], ARGV[i])
          if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
        end
        return 1
        """
    )

    /// KEYS: entry, tombstone. ARGV: now (ms), tombstone lifetime ms, channel, message.
    /// Deletes one entry, leaves a tombstone and tells the other instances.
    static let invalidateKey = RedisScript(
        """
        redis.call('DEL', KEYS[1])
        redis.call('SET', KEYS[2], ARGV[1], 'PX', tonumber(ARGV[2]))
        if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
        return 1
        """
    )

    /// KEYS: index set, tombstone. ARGV: prefix of the entries, now (ms), tombstone lifetime ms, channel, message.
    /// Deletes every entry the index names and the index, leaves a tombstone and tells the other instances.
    static let invalidateIndexed = RedisScript(
        """
        for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          redis.call('DEL', ARGV[1] .. member)
        end
        redis.call('DEL', KEYS[1])
        redis.call('SET', KEYS[2], ARGV[2], 'PX', tonumber(ARGV[3]))
        redis.call('PUBLISH', ARGV[4], ARGV[5])
        return 1
        """
    )

    /// KEYS: owner's device set, tombstone. ARGV: prefix of device-key sets, prefix of device entries, now,
    /// tombstone lifetime, channel, message. Deletes every cached device of an owner (two levels of index).
    static let invalidateOwner = RedisScript(
        """
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local keysSet = ARGV[1] .. id
          for _, hash in ipairs(redis.call('SMEMBERS', keysSet)) do
            redis.call('DEL', ARGV[2] .. hash)
          end
          redis.call('DEL', keysSet)
        end
        redis.call('DEL', KEYS[1])
        redis.call('SET', KEYS[2], ARGV[3], 'PX', tonumber(ARGV[4]))
        redis.call('PUBLISH', ARGV[5], ARGV[6])
        return 1
        """
    )

    /// KEYS: latest hash, tombstone. ARGV: lifetime ms, complete flag ("1" for a full snapshot, "0" for a
    /// merge), read started at, skew margin, channel and message to publish (empty: none), then triples of field,
    /// timestamp, encoded value.
    /// Newer timestamps win per field. A full snapshot read before the last invalidation is refused.
    /// Only a full snapshot marks the hash complete; a merge into a missing hash leaves it incomplete,
    /// so reads miss until a snapshot arrives, and that snapshot cannot overwrite the newer merged values.
    static let mergeLatest = RedisScript(
        """
        local complete = ARGV[2] == '1'
        if complete then
          local at = redis.call('GET', KEYS[2])
          if at and tonumber(at) >= tonumber(ARGV[3]) - tonumber(ARGV[4]) then return 0 end
        end
        for i = 7, #ARGV, 3 do
          local current = redis.call('HGET', KEYS[1], ARGV[i])
          local currentTs = current and tonumber(string.match(current, '^(-?%d+)|'))
          if not currentTs or currentTs <= tonumber(ARGV[i + 1]) then
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2])
          end
        end
        if complete then redis.call('HSET', KEYS[1], '\\0complete', '1') end
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
        if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
        return 1
        """
    )

    /// KEYS: counter. ARGV: window ms, hits to count. A fixed-window counter: the hits that create it set its expiry.
    static let increment = RedisScript(
        """
        local amount = tonumber(ARGV[2])
        local count = redis.call('INCRBY', KEYS[1], amount)
        if count == amount then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
        return count
        """
    )

    /// The hash field that marks a latest-values hash as a full snapshot.
    static let completeField = "\u{0}complete"
}
