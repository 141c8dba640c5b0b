-- KEYS: scheduled, inflight, dead, attempts, token, created, error, due (one partition).
-- ARGV: member, token, delay ms, error, max attempts, max age ms (0: none).
-- Reschedules a failed job after `delay`, or moves it to dead past the attempt limit or when
-- it would run later than its maximum age after its first enqueue.
-- Returns {1 retried | 2 dead | 0 stale token, its new due ms when it is now the partition's
-- earliest job (the caller wakes a sleeping worker), else -1}.
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[2] then return {0, -1} end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[7], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[5], ARGV[1], '')
local due = now_ms + tonumber(ARGV[3])
local created = tonumber(redis.call('HGET', KEYS[6], ARGV[1]) or '0')
local too_old = tonumber(ARGV[6]) > 0 and created > 0 and due - created > tonumber(ARGV[6])
if too_old or tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0') >= tonumber(ARGV[5]) then
    redis.call('ZADD', KEYS[3], now_ms, ARGV[1])
    return {2, -1}
end
redis.call('HSET', KEYS[8], ARGV[1], due)
redis.call('ZADD', KEYS[1], due, ARGV[1])
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] == ARGV[1] then return {1, due} end
return {1, -1}
