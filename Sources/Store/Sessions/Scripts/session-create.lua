-- Starts a session; past the cap, the oldest sessions end (expired ids are pruned first).
-- KEYS: session, index, then the session of each id from ARGV[9] on. ARGV: user id, role,
-- refresh hash, ttl ms, user agent, ip, session id, most sessions, then the ids the caller read
-- from the index. Every key it touches is declared: when the cap needs sessions ended and the
-- index holds an id it was not given, it changes nothing and answers 'RETRY', for the caller to
-- read the index and call again with its ids.
local cap = tonumber(ARGV[8])
local given = {}
for i = 9, #ARGV do given[ARGV[i]] = KEYS[i - 6] end
local evicting = redis.call('SCARD', KEYS[2]) >= cap
if evicting then
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        if not given[id] then return 'RETRY' end
    end
end
redis.call('HSET', KEYS[1], 'uid', ARGV[1], 'role', ARGV[2], 'rh', ARGV[3],
    'ca', now_ms, 'ls', now_ms, 'ua', ARGV[5], 'ip', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if evicting then
    local others = {}
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        if id ~= ARGV[7] then
            local created = redis.call('HGET', given[id], 'ca')
            if not created then
                redis.call('SREM', KEYS[2], id)
            else
                table.insert(others, {tonumber(created), id})
            end
        end
    end
    table.sort(others, function(a, b) if a[1] == b[1] then return a[2] < b[2] end return a[1] < b[1] end)
    for i = 1, #others - (cap - 1) do
        redis.call('DEL', given[others[i][2]])
        redis.call('SREM', KEYS[2], others[i][2])
    end
end
return now_ms
