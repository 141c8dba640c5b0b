/// The Lua scripts behind ``SessionStore``. Every key of one user shares the hash tag `{<user id>}`,
/// so each script touches one cluster slot and runs atomically on Redis Cluster too.
enum SessionScripts {
    /// Starts a session; past the cap, the oldest sessions end (expired ids are pruned first).
    /// KEYS: session, index. ARGV: user id, role, refresh hash, ttl ms, user agent, ip, session id,
    /// most sessions, session key prefix.
    static let create = RedisScript("""
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        redis.call('HSET', KEYS[1], 'uid', ARGV[1], 'role', ARGV[2], 'rh', ARGV[3],
            'ca', now, 'ls', now, 'ua', ARGV[5], 'ip', ARGV[6])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('SADD', KEYS[2], ARGV[7])
        redis.call('PEXPIRE', KEYS[2], ARGV[4])
        local cap = tonumber(ARGV[8])
        if redis.call('SCARD', KEYS[2]) > cap then
            local others = {}
            for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
                local created = redis.call('HGET', ARGV[9] .. id, 'ca')
                if not created then
                    redis.call('SREM', KEYS[2], id)
                elseif id ~= ARGV[7] then
                    table.insert(others, {tonumber(created), id})
                end
            end
            table.sort(others, function(a, b) if a[1] == b[1] then return a[2] < b[2] end return a[1] < b[1] end)
            for i = 1, #others - (cap - 1) do
                redis.call('DEL', ARGV[9] .. others[i][2])
                redis.call('SREM', KEYS[2], others[i][2])
            end
        end
        return now
        """)

    /// Authenticates a request: returns the session's role, or nil when it is gone.
    /// Refreshes `last_seen_at` at most every 30 s to keep the hot path read-mostly.
    /// KEYS: session.
    static let touch = RedisScript("""
        local v = redis.call('HMGET', KEYS[1], 'role', 'ls')
        if not v[1] then return false end
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        if now - tonumber(v[2]) > 30000 then redis.call('HSET', KEYS[1], 'ls', now) end
        return v[1]
        """)

    /// Rotates a refresh token. Returns {1, role} on success, {-1} when the presented hash is not
    /// the current one (reuse: the session is deleted), {0} when there is no session.
    /// KEYS: session, index. ARGV: presented hash, new hash, ttl ms, session id.
    static let rotate = RedisScript("""
        local v = redis.call('HMGET', KEYS[1], 'rh', 'role')
        if not v[1] then return {0} end
        if v[1] ~= ARGV[1] then
            redis.call('DEL', KEYS[1])
            redis.call('SREM', KEYS[2], ARGV[4])
            return {-1}
        end
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        redis.call('HSET', KEYS[1], 'rh', ARGV[2], 'ls', now)
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        return {1, v[2]}
        """)

    /// Deletes every session of a user. KEYS: index. ARGV: session key prefix.
    static let revokeAll = RedisScript("""
        local ids = redis.call('SMEMBERS', KEYS[1])
        for _, id in ipairs(ids) do redis.call('DEL', ARGV[1] .. id) end
        redis.call('DEL', KEYS[1])
        return #ids
        """)
}
