-- KEYS: lease. ARGV: owner, lease ms (0: give the lease up).
-- Takes the relay's lease when it is free, extends it when `owner` holds it, or (with 0) gives
-- it up so another gateway takes over at once. Returns 1 when `owner` holds it afterwards.
local holder = redis.call('GET', KEYS[1])
if ARGV[2] == '0' then
    if holder == ARGV[1] then redis.call('DEL', KEYS[1]) end
    return 0
end
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
