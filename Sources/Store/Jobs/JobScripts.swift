/// The job queue's Lua scripts. All keys share the `{orders}` hash tag (one cluster slot), and
/// every script reads the clock with `TIME`, so workers' clocks never matter.
///
/// Keys: scheduled (zset member → due ms), inflight (zset member → lease expiry ms), dead (zset
/// member → when it died), wake (list), fence (counter), and one hash per job with its owner,
/// fencing token, attempts, due time and last error.
enum JobScripts {
    static let now = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """

    /// KEYS: scheduled, inflight, dead, wake, job. ARGV: member, due ms.
    /// Adds the job unless it is already scheduled, running or dead; wakes a sleeping worker
    /// when it is now the earliest job. Returns 1 when added.
    static let enqueue = RedisScript("""
        if redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
        local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
        if added == 1 then
            redis.call('HSET', KEYS[5], 'due', ARGV[2])
            local first = redis.call('ZRANGE', KEYS[1], 0, 0)
            if first[1] == ARGV[1] then
                redis.call('LPUSH', KEYS[4], '1')
                redis.call('LTRIM', KEYS[4], 0, 63)
            end
        end
        return added
        """)

    /// KEYS: scheduled, inflight, fence, epoch. ARGV: worker id, batch size, lease ms, job key prefix.
    /// Moves up to `batch size` due jobs in flight. Returns {now, next due or -1, epoch present
    /// (1/0), member, token, attempts, due, member, token, ...}; a missing epoch means Redis lost
    /// the schedule (a flush, a restart without its data) and the reconciler must refill it now.
    static let claim = RedisScript(now + """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
        local out = {now, -1, redis.call('EXISTS', KEYS[4])}
        for i = 1, #due, 2 do
            local member, score = due[i], due[i + 1]
            local job = ARGV[4] .. member
            redis.call('ZREM', KEYS[1], member)
            local token = redis.call('INCR', KEYS[3])
            local attempts = redis.call('HINCRBY', job, 'attempts', 1)
            redis.call('HSET', job, 'owner', ARGV[1], 'token', token, 'due', score)
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), member)
            table.insert(out, member)
            table.insert(out, token)
            table.insert(out, attempts)
            table.insert(out, score)
        end
        local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        if first[2] then out[2] = tonumber(first[2]) end
        return out
        """)

    /// KEYS: inflight, job. ARGV: member, token. Finishes a job; refused (0) for a stale token.
    static let ack = RedisScript("""
        if redis.call('HGET', KEYS[2], 'token') ~= ARGV[2] then return 0 end
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('DEL', KEYS[2])
        return 1
        """)

    /// KEYS: inflight, job. ARGV: member, token, lease ms. Extends the lease of a job still owned.
    static let extend = RedisScript(now + """
        if redis.call('HGET', KEYS[2], 'token') ~= ARGV[2] then return 0 end
        redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), ARGV[1])
        return 1
        """)

    /// KEYS: scheduled, inflight, dead, job, wake. ARGV: member, token, delay ms, error, max attempts.
    /// Reschedules a failed job after `delay`, or moves it to dead past the attempt limit.
    /// Returns 1 retried, 2 dead, 0 stale token.
    static let retry = RedisScript(now + """
        if redis.call('HGET', KEYS[4], 'token') ~= ARGV[2] then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HSET', KEYS[4], 'error', ARGV[4], 'token', '')
        if tonumber(redis.call('HGET', KEYS[4], 'attempts') or '0') >= tonumber(ARGV[5]) then
            redis.call('ZADD', KEYS[3], now, ARGV[1])
            return 2
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        return 1
        """)

    /// KEYS: scheduled, inflight, wake. ARGV: member, token, job key prefix.
    /// Hands a claimed job back at once (graceful shutdown), not counting the attempt.
    static let release = RedisScript("""
        local job = ARGV[3] .. ARGV[1]
        if redis.call('HGET', job, 'token') ~= ARGV[2] then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HINCRBY', job, 'attempts', -1)
        redis.call('HSET', job, 'token', '')
        redis.call('ZADD', KEYS[1], redis.call('HGET', job, 'due') or 0, ARGV[1])
        redis.call('LPUSH', KEYS[3], '1')
        redis.call('LTRIM', KEYS[3], 0, 63)
        return 1
        """)

    /// KEYS: scheduled, inflight, wake. ARGV: job key prefix, owner prefix, current owner.
    /// Hands back, due as before, every job leased by an earlier process of the same worker
    /// instance (the owner prefix names host and port: that process is gone, since the port is
    /// ours now), so its jobs need not wait for their leases to run out. Returns how many.
    static let releaseAbandoned = RedisScript("""
        local released = 0
        for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
            local job = ARGV[1] .. member
            local owner = redis.call('HGET', job, 'owner')
            if owner and owner ~= ARGV[3] and string.sub(owner, 1, #ARGV[2]) == ARGV[2] then
                redis.call('ZREM', KEYS[2], member)
                redis.call('HINCRBY', job, 'attempts', -1)
                redis.call('HSET', job, 'token', '')
                redis.call('ZADD', KEYS[1], redis.call('HGET', job, 'due') or 0, member)
                released = released + 1
            end
        end
        if released > 0 then
            redis.call('LPUSH', KEYS[3], '1')
            redis.call('LTRIM', KEYS[3], 0, 63)
        end
        return released
        """)

    /// KEYS: scheduled, inflight, dead, wake. ARGV: job key prefix, max attempts, limit.
    /// Returns jobs whose lease expired to the schedule (due now), or to dead past the limit.
    /// Returns {recovered, dead}.
    static let reap = RedisScript(now + """
        local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
        local recovered, died = 0, 0
        for _, member in ipairs(expired) do
            local job = ARGV[1] .. member
            redis.call('ZREM', KEYS[2], member)
            redis.call('HSET', job, 'token', '', 'error', 'lease expired')
            if tonumber(redis.call('HGET', job, 'attempts') or '0') >= tonumber(ARGV[2]) then
                redis.call('ZADD', KEYS[3], now, member)
                died = died + 1
            else
                redis.call('ZADD', KEYS[1], now, member)
                recovered = recovered + 1
            end
        end
        if recovered > 0 then
            redis.call('LPUSH', KEYS[4], '1')
            redis.call('LTRIM', KEYS[4], 0, 63)
        end
        return {recovered, died}
        """)

    /// KEYS: scheduled, dead, wake, job. ARGV: member. Puts a dead job back, due now.
    static let resurrect = RedisScript(now + """
        if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HSET', KEYS[4], 'attempts', 0)
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('LPUSH', KEYS[3], '1')
        redis.call('LTRIM', KEYS[3], 0, 63)
        return 1
        """)
}
