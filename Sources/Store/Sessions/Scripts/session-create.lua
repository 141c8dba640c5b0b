-- Starts a session; past the cap, the oldest sessions end (expired ids are pruned first).
-- KEYS: session, index. ARGV: user id, role, refresh hash, ttl ms, user agent, ip, session id,
-- most sessions, session key prefix.
redis.call('HSET', KEYS[1], 'uid', ARGV[1], 'role', ARGV[2], 'rh', ARGV[3],
    'ca', now_ms, 'ls', now_ms, 'ua', ARGV[5], 'ip', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local cap = tonumber(ARGV[8])
if redis.call('SCARD', KEYS[2]) > cap then
    local others = {}
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        local created = redis.call('HGET', ARGV[9] .. id, 'ca')
        if not created then
            redis.call('SREM', KEYS[2], id)
        elseif id ~= ARGV[7] then
            table.insert(others, {tonumber(created), id})
        end
    end
    table.sort(others, function(a, b) if a[1] == b[1] then return a[2] < b[2] end return a[1] < b[1] end)
    for i = 1, #others - (cap - 1) do
        redis.call('DEL', ARGV[9] .. others[i][2])
        redis.call('SREM', KEYS[2], others[i][2])
    end
end
return now_ms
