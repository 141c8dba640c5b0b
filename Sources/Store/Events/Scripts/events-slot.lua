-- KEYS: the user's open streams (zset: stream id -> expiry ms). ARGV: stream id, ttl ms, cap.
-- Takes or renews the stream's slot; slots not renewed within their ttl (a gateway that died)
-- lapse. Returns 1 when the stream holds a slot, 0 when the user has `cap` streams open already.
local now = now_ms
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
