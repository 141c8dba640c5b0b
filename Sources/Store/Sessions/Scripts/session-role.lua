-- session_role(key): the role of the session at `key`, or false when it is gone. Refreshes
-- `last_seen_at` at most every 30 s to keep the hot path read-mostly.
local function session_role(key)
    local v = redis.call('HMGET', key, 'role', 'ls')
    if not v[1] then return false end
    if now_ms - tonumber(v[2]) > 30000 then redis.call('HSET', key, 'ls', now_ms) end
    return v[1]
end
