-- KEYS: inflight, job, done counter. ARGV: member, token. Finishes a job (counted in the
-- queue's done counter, which the operations page charts); refused (0) for a stale token.
if redis.call('HGET', KEYS[2], 'token') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('INCR', KEYS[3])
return 1
