-- KEYS: scheduled, inflight, dead, attempts, token, error (one partition). ARGV: max attempts,
-- limit. Returns up to `limit` jobs whose lease expired by Redis's clock (a worker's clock may
-- differ) to the schedule, due now, or to dead past the attempts. Returns {recovered, dead}.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now_ms, 'LIMIT', 0, tonumber(ARGV[2]))
local recovered, died = 0, 0
for _, member in ipairs(expired) do
    redis.call('ZREM', KEYS[2], member)
    redis.call('HSET', KEYS[5], member, '')
    redis.call('HSET', KEYS[6], member, 'lease expired')
    if tonumber(redis.call('HGET', KEYS[4], member) or '0') >= tonumber(ARGV[1]) then
        redis.call('ZADD', KEYS[3], now_ms, member)
        died = died + 1
    else
        redis.call('ZADD', KEYS[1], now_ms, member)
        recovered = recovered + 1
    end
end
return {recovered, died}
