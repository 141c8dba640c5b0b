-- KEYS: counter. ARGV: emission interval µs, burst. Returns {allowed, remaining, retry µs, reset µs}
-- (gcra.lua).
return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
