-- KEYS: scheduled, inflight, wake, then the job of each member in ARGV[3..]. ARGV: owner prefix,
-- current owner, then the members the caller saw in flight.
-- Hands back, due as before, each of those jobs still leased by an earlier process of the same
-- worker instance (the owner prefix names host and port: that process is gone, since the port
-- is ours now), so its jobs need not wait for their leases to run out. Returns how many.
local released = 0
for i = 3, #ARGV do
    local member, job = ARGV[i], KEYS[i + 1]
    local owner = redis.call('HGET', job, 'owner')
    if redis.call('ZSCORE', KEYS[2], member) and owner and owner ~= ARGV[2]
        and string.sub(owner, 1, #ARGV[1]) == ARGV[1] then
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
