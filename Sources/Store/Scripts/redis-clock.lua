-- Prepended to every script that reads the clock: Redis's own time, so no process's clock
-- matters. now_us is microseconds since 1970, now_ms milliseconds.
local clock = redis.call('TIME')
local now_us = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local now_ms = math.floor(now_us / 1000)
