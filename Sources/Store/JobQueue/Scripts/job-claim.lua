-- KEYS: scheduled, inflight, fence, epoch, attempts, owner, token, due (one partition).
-- ARGV: worker id, batch size, lease ms, ahead ms (0: due now), latest due ms (-1: none). Moves
-- up to `batch size` jobs due within `ahead` ms, and by the latest due if given, in flight (a
-- worker that claims ahead starts each at its due time). Returns
-- {now, next due or -1, epoch present (1/0), member, token, attempts, due, member, token, ...};
-- a missing epoch means Redis lost the partition (a flush, a restart without its data) and the
-- reconciler must refill it now.
local horizon = now_ms + tonumber(ARGV[4])
local latest = tonumber(ARGV[5] or '-1')
if latest >= 0 and latest < horizon then horizon = latest end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', horizon, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {now_ms, -1, redis.call('EXISTS', KEYS[4])}
local expiry = now_ms + tonumber(ARGV[3])
for i = 1, #due, 2 do
    local member, score = due[i], due[i + 1]
    redis.call('ZREM', KEYS[1], member)
    local token = redis.call('INCR', KEYS[3])
    local attempts = redis.call('HINCRBY', KEYS[5], member, 1)
    redis.call('HSET', KEYS[6], member, ARGV[1])
    redis.call('HSET', KEYS[7], member, token)
    redis.call('HSET', KEYS[8], member, score)
    redis.call('ZADD', KEYS[2], expiry, member)
    table.insert(out, member)
    table.insert(out, token)
    table.insert(out, attempts)
    table.insert(out, score)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then out[2] = tonumber(first[2]) end
return out
