-- Authenticates a request: returns the session's role, or nil when it is gone.
-- Refreshes `last_seen_at` at most every 30 s to keep the hot path read-mostly.
-- KEYS: session.
local v = redis.call('HMGET', KEYS[1], 'role', 'ls')
if not v[1] then return false end
if now_ms - tonumber(v[2]) > 30000 then redis.call('HSET', KEYS[1], 'ls', now_ms) end
return v[1]
