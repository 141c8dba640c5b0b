-- KEYS: pass, epoch. ARGV: the pass's token, epoch value.
-- Marks the schedule whole after a reconciler pass, unless Redis lost its data (and the pass's
-- token with it) since the pass began, or a later pass began: then the next claim asks again.
-- Returns 1 when marked.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
return 1
