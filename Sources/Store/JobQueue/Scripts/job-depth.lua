-- KEYS: scheduled, inflight, dead (one partition). Returns {now ms, scheduled, due, in flight,
-- dead, earliest due ms or -1}, on Redis's clock.
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {now_ms, redis.call('ZCARD', KEYS[1]), redis.call('ZCOUNT', KEYS[1], '-inf', now_ms),
    redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]), first[2] and tonumber(first[2]) or -1}
