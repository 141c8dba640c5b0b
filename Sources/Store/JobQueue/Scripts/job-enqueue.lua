-- KEYS: scheduled, inflight, dead, wake, job. ARGV: member, due ms.
-- Adds the job unless it is already scheduled, running or dead; wakes a sleeping worker
-- when it is now the earliest job. Returns 1 when added. The job's first enqueue time is
-- kept (`created`) for its kind's maximum age.
if redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
if added == 1 then
    redis.call('HSET', KEYS[5], 'due', ARGV[2])
    redis.call('HSETNX', KEYS[5], 'created', now_ms)
    local first = redis.call('ZRANGE', KEYS[1], 0, 0)
    if first[1] == ARGV[1] then
        redis.call('LPUSH', KEYS[4], '1')
        redis.call('LTRIM', KEYS[4], 0, 63)
    end
end
return added
