-- KEYS: inflight. ARGV: limit. The members whose lease expired by Redis's clock (a worker's
-- clock may differ), for the reaper to hand to job-reap with their keys.
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, tonumber(ARGV[1]))
