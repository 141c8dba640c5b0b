-- KEYS: stream. ARGV: max length, then position, event, position, event, ...
-- Appends the events whose position is above the stream's last one, with the position as
-- their id (`<position>-0`): an event a relay already published, or one a second relay (two
-- leaseholders across a Redis failover) publishes again, is refused by Redis itself, so each
-- event is in the stream once. Returns {added, last position in the stream}.
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #top > 0 then last = tonumber(string.match(top[1][1], '^(%d+)')) end
local added = 0
for i = 2, #ARGV, 2 do
    local position = tonumber(ARGV[i])
    if position > last then
        -- pcall: a trimmed stream remembers a last id above its entries; such an id is refused.
        local reply = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[i] .. '-0', 'e', ARGV[i + 1])
        if type(reply) ~= 'table' or not reply.err then added = added + 1 end
        last = position
    end
end
return {added, last}
