-- KEYS: scheduled, inflight, wake, job. ARGV: member, token.
-- Hands a claimed job back at once (graceful shutdown), not counting the attempt.
local job = KEYS[4]
if redis.call('HGET', job, 'token') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', job, 'attempts', -1)
redis.call('HSET', job, 'token', '')
redis.call('ZADD', KEYS[1], redis.call('HGET', job, 'due') or 0, ARGV[1])
redis.call('LPUSH', KEYS[3], '1')
redis.call('LTRIM', KEYS[3], 0, 63)
return 1
