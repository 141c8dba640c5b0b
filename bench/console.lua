-- The web console as a vendor, as fast as 16 connections can ask: the order list (newest first, 20 rows) and an order's page,
-- in turn, with the session cookie of one console sign-in (BENCH_CONSOLE_COOKIE).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local report = require("wrk-report")
local ids
local cookie = os.getenv("BENCH_CONSOLE_COOKIE")
local turn = 0

function init(args)
    ids = {}
    for _, line in ipairs(report.load("BENCH_ORDERS")) do ids[#ids + 1] = line:match("(%S+)$") end
end

function request()
    turn = turn + 1
    local headers = { ["Cookie"] = cookie, ["Accept"] = "text/html" }
    if turn % 2 == 0 then return wrk.format("GET", "/orders/" .. ids[math.random(#ids)], headers) end
    return wrk.format("GET", "/orders", headers)
end

done = report.done
