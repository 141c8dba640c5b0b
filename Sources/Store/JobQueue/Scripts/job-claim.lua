-- KEYS: scheduled, inflight, fence, epoch. ARGV: worker id, batch size, lease ms, job key prefix,
-- ahead ms (optional, 0). Moves up to `batch size` jobs due within `ahead` ms in flight (a worker
-- that claims ahead starts each at its due time). Returns {now, next due or -1, epoch present
-- (1/0), member, token, attempts, due, member, token, ...}; a missing epoch means Redis lost
-- the schedule (a flush, a restart without its data) and the reconciler must refill it now.
local horizon = now_ms + (tonumber(ARGV[5]) or 0)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', horizon, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {now_ms, -1, redis.call('EXISTS', KEYS[4])}
for i = 1, #due, 2 do
    local member, score = due[i], due[i + 1]
    local job = ARGV[4] .. member
    redis.call('ZREM', KEYS[1], member)
    local token = redis.call('INCR', KEYS[3])
    local attempts = redis.call('HINCRBY', job, 'attempts', 1)
    redis.call('HSET', job, 'owner', ARGV[1], 'token', token, 'due', score)
    redis.call('ZADD', KEYS[2], now_ms + tonumber(ARGV[3]), member)
    table.insert(out, member)
    table.insert(out, token)
    table.insert(out, attempts)
    table.insert(out, score)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then out[2] = tonumber(first[2]) end
return out
