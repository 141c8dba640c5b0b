-- Rotates a refresh token. Returns {1, role} on success, {-1} when the presented hash is not
-- the current one (reuse: the session is deleted), {0} when there is no session.
-- KEYS: session, index. ARGV: presented hash, new hash, ttl ms, session id.
local v = redis.call('HMGET', KEYS[1], 'rh', 'role')
if not v[1] then return {0} end
if v[1] ~= ARGV[1] then
    redis.call('DEL', KEYS[1])
    redis.call('SREM', KEYS[2], ARGV[4])
    return {-1}
end
redis.call('HSET', KEYS[1], 'rh', ARGV[2], 'ls', now_ms)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {1, v[2]}
