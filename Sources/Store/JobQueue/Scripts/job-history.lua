-- KEYS: history, done counter. ARGV: oldest due lag ms, bucket ms, buckets kept.
-- Records one sample per bucket (the first heartbeat of any worker in it wins): the lag of the
-- oldest due job and the done counter, for the operations page's chart. Old buckets go.
local bucket = math.floor(now_ms / tonumber(ARGV[2]))
local done = redis.call('GET', KEYS[2]) or '0'
if redis.call('HSETNX', KEYS[1], bucket, ARGV[1] .. ',' .. done) == 1 then
    local keep = tonumber(ARGV[3])
    if redis.call('HLEN', KEYS[1]) > keep then
        for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
            if tonumber(field) <= bucket - keep then redis.call('HDEL', KEYS[1], field) end
        end
    end
end
return bucket
