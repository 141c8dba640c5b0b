-- KEYS: inflight, token (one partition). ARGV: member, token, lease ms. Extends the lease of a
-- job still owned.
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now_ms + tonumber(ARGV[3]), ARGV[1])
return 1
