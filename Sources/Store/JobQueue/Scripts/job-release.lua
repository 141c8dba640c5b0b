-- KEYS: scheduled, inflight, attempts, token, due (one partition). ARGV: member, token.
-- Hands a claimed job back at once, due as before (graceful shutdown, a store away), not
-- counting the attempt. Returns 0 for a stale token, 1 handed back, 2 handed back as the
-- partition's earliest job (the caller wakes a sleeping worker).
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], ARGV[1], -1)
redis.call('HSET', KEYS[4], ARGV[1], '')
redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[5], ARGV[1]) or 0, ARGV[1])
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] == ARGV[1] then return 2 end
return 1
