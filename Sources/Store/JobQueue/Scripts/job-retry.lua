-- KEYS: scheduled, inflight, dead, job, wake. ARGV: member, token, delay ms, error, max attempts,
-- max age ms (0: none).
-- Reschedules a failed job after `delay`, or moves it to dead past the attempt limit or when
-- it would run later than its maximum age after its first enqueue.
-- Returns 1 retried, 2 dead, 0 stale token.
if redis.call('HGET', KEYS[4], 'token') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[4], 'error', ARGV[4], 'token', '')
local due = now_ms + tonumber(ARGV[3])
local created = tonumber(redis.call('HGET', KEYS[4], 'created') or '0')
local too_old = tonumber(ARGV[6]) > 0 and created > 0 and due - created > tonumber(ARGV[6])
if too_old or tonumber(redis.call('HGET', KEYS[4], 'attempts') or '0') >= tonumber(ARGV[5]) then
    redis.call('ZADD', KEYS[3], now_ms, ARGV[1])
    return 2
end
redis.call('ZADD', KEYS[1], due, ARGV[1])
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] == ARGV[1] then
    redis.call('LPUSH', KEYS[5], '1')
    redis.call('LTRIM', KEYS[5], 0, 63)
end
return 1
