-- KEYS: scheduled, inflight, dead, job, wake. ARGV: member, token, delay ms, error, max attempts.
-- Reschedules a failed job after `delay`, or moves it to dead past the attempt limit.
-- Returns 1 retried, 2 dead, 0 stale token.
if redis.call('HGET', KEYS[4], 'token') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[4], 'error', ARGV[4], 'token', '')
if tonumber(redis.call('HGET', KEYS[4], 'attempts') or '0') >= tonumber(ARGV[5]) then
    redis.call('ZADD', KEYS[3], now_ms, ARGV[1])
    return 2
end
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[3]), ARGV[1])
return 1
