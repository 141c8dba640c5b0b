-- KEYS: scheduled, inflight, dead, wake, then the job of each member in ARGV[2..]. ARGV: max
-- attempts, then the members whose lease the caller saw expired. Returns each of those still in
-- flight with its lease expired (a job extended or settled meanwhile is left alone) to the
-- schedule, due now, or to dead past the attempts. Returns {recovered, dead}.
local recovered, died = 0, 0
for i = 2, #ARGV do
    local member, job = ARGV[i], KEYS[i + 3]
    local lease = redis.call('ZSCORE', KEYS[2], member)
    if lease and tonumber(lease) <= now_ms then
        redis.call('ZREM', KEYS[2], member)
        redis.call('HSET', job, 'token', '', 'error', 'lease expired')
        if tonumber(redis.call('HGET', job, 'attempts') or '0') >= tonumber(ARGV[1]) then
            redis.call('ZADD', KEYS[3], now_ms, member)
            died = died + 1
        else
            redis.call('ZADD', KEYS[1], now_ms, member)
            recovered = recovered + 1
        end
    end
end
if recovered > 0 then
    redis.call('LPUSH', KEYS[4], '1')
    redis.call('LTRIM', KEYS[4], 0, 63)
end
return {recovered, died}
