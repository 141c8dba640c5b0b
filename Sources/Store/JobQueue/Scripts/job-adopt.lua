-- KEYS: scheduled, inflight, dead, attempts, due, created, error (one partition). ARGV: member,
-- 'scheduled' or 'dead', score (due ms, or when it died), attempts, due ms, created ms, error.
-- Takes in a job kept in the layout before partitions (an upgrade), unless the partition has it
-- already. Returns 1 when taken in.
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZSCORE', KEYS[2], ARGV[1])
    or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
redis.call('ZADD', ARGV[2] == 'dead' and KEYS[3] or KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[6], ARGV[1], ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[7], ARGV[1], ARGV[7]) end
return 1
