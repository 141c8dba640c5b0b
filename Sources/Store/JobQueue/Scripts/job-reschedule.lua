-- KEYS: scheduled, inflight, job, wake. ARGV: member, token, due ms.
-- Puts a claimed job back to run at `due` (it ran too early: not an attempt) in one step, so no
-- crash or outage between finishing it and scheduling it again can lose it. Keeps its first
-- enqueue time (its maximum age still counts). Returns 1, or 0 for a stale token.
if redis.call('HGET', KEYS[3], 'token') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'attempts', -1)
redis.call('HSET', KEYS[3], 'token', '', 'due', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] == ARGV[1] then
    redis.call('LPUSH', KEYS[4], '1')
    redis.call('LTRIM', KEYS[4], 0, 63)
end
return 1
