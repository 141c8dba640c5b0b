-- KEYS: scheduled, dead, attempts, created, due (one partition). ARGV: member. Puts a dead job
-- back, due now, with its attempts and age counted afresh. Returns 1, or 0 when it is not dead.
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], 0)
redis.call('HSET', KEYS[4], ARGV[1], now_ms)
redis.call('HSET', KEYS[5], ARGV[1], now_ms)
redis.call('ZADD', KEYS[1], now_ms, ARGV[1])
return 1
