-- Deletes every session of a user. KEYS: index, then the session of each id in ARGV (the ids the
-- caller read from the index). Every key it touches is declared: when the index holds an id it
-- was not given (a session started since the caller read it), it changes nothing and answers
-- 'RETRY', for the caller to read the index again. Returns how many sessions ended.
local given = {}
for i, id in ipairs(ARGV) do given[id] = KEYS[i + 1] end
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do
    if not given[id] then return 'RETRY' end
end
for _, id in ipairs(ids) do redis.call('DEL', given[id]) end
redis.call('DEL', KEYS[1])
return #ids
