-- KEYS: scheduled, inflight, dead, wake. ARGV: job key prefix, max attempts, limit.
-- Returns jobs whose lease expired to the schedule (due now), or to dead past the limit.
-- Returns {recovered, dead}.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now_ms, 'LIMIT', 0, tonumber(ARGV[3]))
local recovered, died = 0, 0
for _, member in ipairs(expired) do
    local job = ARGV[1] .. member
    redis.call('ZREM', KEYS[2], member)
    redis.call('HSET', job, 'token', '', 'error', 'lease expired')
    if tonumber(redis.call('HGET', job, 'attempts') or '0') >= tonumber(ARGV[2]) then
        redis.call('ZADD', KEYS[3], now_ms, member)
        died = died + 1
    else
        redis.call('ZADD', KEYS[1], now_ms, member)
        recovered = recovered + 1
    end
end
if recovered > 0 then
    redis.call('LPUSH', KEYS[4], '1')
    redis.call('LTRIM', KEYS[4], 0, 63)
end
return {recovered, died}
