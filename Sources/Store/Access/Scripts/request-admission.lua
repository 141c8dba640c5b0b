-- A signed-in request's admission in one script (session-role.lua, gcra.lua): its session's role
-- and the general rate limit, counted against the session's user. Both keys carry the user's tag,
-- so they share a cluster slot. KEYS: session, counter. ARGV: emission interval µs, burst.
-- Returns {role or nil, allowed, remaining, retry µs, reset µs}.
local decision = gcra(KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]))
return {session_role(KEYS[1]), decision[1], decision[2], decision[3], decision[4]}
