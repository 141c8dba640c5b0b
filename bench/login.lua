-- POST /api/auth/login as a random customer (bcrypt-bound by design).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local report = require("wrk-report")
local users

function init(args) users = report.load("BENCH_USERS") end

function request()
    local name = users[math.random(#users)]
    return wrk.format("POST", "/api/auth/login", { ["Content-Type"] = "application/json" },
        string.format('{"username":"%s","password":"bench-password"}', name))
end

done = report.done
