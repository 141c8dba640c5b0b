-- gcra(key, interval, burst): counts one request against the counter at `key` (emission interval
-- in µs, burst in requests). Returns {allowed, remaining, retry µs, reset µs}.
local function gcra(key, interval, burst)
    local tolerance = interval * burst
    local tat = tonumber(redis.call('GET', key) or now_us)
    if tat < now_us then tat = now_us end
    local new_tat = tat + interval
    if new_tat - tolerance > now_us then
        return {0, 0, new_tat - tolerance - now_us, tat - now_us}
    end
    redis.call('SET', key, new_tat, 'PX', math.ceil((new_tat - now_us) / 1000) + 1)
    return {1, math.floor((tolerance - (new_tat - now_us)) / interval), 0, new_tat - now_us}
end
