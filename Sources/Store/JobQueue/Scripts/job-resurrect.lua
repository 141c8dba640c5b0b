-- KEYS: scheduled, dead, wake, job. ARGV: member. Puts a dead job back, due now, with its
-- attempts and age counted afresh.
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[4], 'attempts', 0, 'created', now_ms)
redis.call('ZADD', KEYS[1], now_ms, ARGV[1])
redis.call('LPUSH', KEYS[3], '1')
redis.call('LTRIM', KEYS[3], 0, 63)
return 1
