-- KEYS: scheduled, inflight, dead, due, created (one partition). ARGV: member, due ms.
-- Adds the job unless it is already scheduled, running or dead. Returns 0 when not added, 1 when
-- added, 2 when added as the partition's earliest job (the caller wakes a sleeping worker). The
-- job's first enqueue time is kept (`created`) for its kind's maximum age.
if redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
if redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('HSETNX', KEYS[5], ARGV[1], now_ms)
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] == ARGV[1] then return 2 end
return 1
