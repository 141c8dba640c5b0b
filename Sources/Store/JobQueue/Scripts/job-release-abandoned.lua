-- KEYS: scheduled, inflight, wake. ARGV: job key prefix, owner prefix, current owner.
-- Hands back, due as before, every job leased by an earlier process of the same worker
-- instance (the owner prefix names host and port: that process is gone, since the port is
-- ours now), so its jobs need not wait for their leases to run out. Returns how many.
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
