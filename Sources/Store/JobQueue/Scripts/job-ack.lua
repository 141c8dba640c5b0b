-- KEYS: inflight, attempts, owner, token, due, created, error (one partition). ARGV: member,
-- token. Finishes a job, forgetting what was kept of it; refused (0) for a stale token.
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
for i = 2, 7 do redis.call('HDEL', KEYS[i], ARGV[1]) end
return 1
