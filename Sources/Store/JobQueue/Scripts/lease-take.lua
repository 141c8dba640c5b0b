-- KEYS: lease. ARGV: owner, lease ms. Takes the lease when free, or renews it when `owner`
-- holds it, in one step (a GET then PEXPIRE could renew a lease another process had just
-- taken). Returns 1 when `owner` holds it now.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
return 0
