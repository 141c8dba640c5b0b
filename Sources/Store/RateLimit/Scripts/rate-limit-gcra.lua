-- KEYS: counter. ARGV: emission interval µs, burst. Returns {allowed, remaining, retry µs, reset µs}.
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now_us)
if tat < now_us then tat = now_us end
local new_tat = tat + interval
if new_tat - tolerance > now_us then
    return {0, 0, new_tat - tolerance - now_us, tat - now_us}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now_us) / 1000) + 1)
return {1, math.floor((tolerance - (new_tat - now_us)) / interval), 0, new_tat - now_us}
