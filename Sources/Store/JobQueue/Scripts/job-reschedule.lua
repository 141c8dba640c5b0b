-- KEYS: scheduled, inflight, attempts, token, due (one partition). ARGV: member, token, due ms.
-- Puts a claimed job back to run at `due` (it ran too early: not an attempt) in one step, so no
-- crash or outage between finishing it and scheduling it again can lose it. Keeps its first
-- enqueue time (its maximum age still counts). Returns 0 for a stale token, 1, or 2 when it is
-- now the partition's earliest job.
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], ARGV[1], -1)
redis.call('HSET', KEYS[4], ARGV[1], '')
redis.call('HSET', KEYS[5], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] == ARGV[1] then return 2 end
return 1
