-- KEYS: scheduled, inflight, attempts, owner, token, due (one partition). ARGV: owner prefix,
-- current owner.
-- Hands back, due as before, each job in flight still leased by an earlier process of the same
-- worker instance (the owner prefix names host and port: that process is gone, since the port
-- is ours now), so its jobs need not wait for their leases to run out. Returns how many.
local released = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local owner = redis.call('HGET', KEYS[4], member)
    if owner and owner ~= ARGV[2] and string.sub(owner, 1, #ARGV[1]) == ARGV[1] then
        redis.call('ZREM', KEYS[2], member)
        redis.call('HINCRBY', KEYS[3], member, -1)
        redis.call('HSET', KEYS[5], member, '')
        redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[6], member) or 0, member)
        released = released + 1
    end
end
return released
