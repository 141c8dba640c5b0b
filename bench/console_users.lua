-- 16 people using the console as vendors: each opens the order list or an order's page, then
-- reads it for 100 ms before the next click (about 10 pages a second each, far busier than a
-- person): the page's own answer time, not a queue behind other requests.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local report = require("wrk-report")
local ids
local cookie = os.getenv("BENCH_CONSOLE_COOKIE")
local turn = 0

function init(args)
    ids = {}
    for _, line in ipairs(report.load("BENCH_ORDERS")) do ids[#ids + 1] = line:match("(%S+)$") end
end

function delay() return 100 end

function request()
    turn = turn + 1
    local headers = { ["Cookie"] = cookie, ["Accept"] = "text/html" }
    if turn % 2 == 0 then return wrk.format("GET", "/orders/" .. ids[math.random(#ids)], headers) end
    return wrk.format("GET", "/orders", headers)
end

done = report.done
