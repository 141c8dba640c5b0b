#!/usr/bin/env bash
# `make test-browser`: the web console in real headless Chromium, driven by Selenium.
#
# Installs Debian's chromium and chromium-driver (one version, from one archive) when missing,
# and selenium plus axe-selenium-python (pinned) into a private venv under .data/browser. Starts
# nginx, a gateway and a worker on a database of their own (on the test Postgres and Redis,
# which the Makefile starts), seeds the demo accounts, and runs Tests/Browser/console_flows.py:
# every role's main flows end to end (orders paid for through a localstripe of the run's own,
# as in `make dev`), axe-core on every page as every role it serves, and
# screenshots of every page at 1280x800 and 375x812 in light and dark under
# .data/browser/screenshots (printed at the end).
#
# Environment: TEST_PG_PORT (25433), TEST_REDIS_PORT (26380), BROWSER_PORT (18400: nginx; the
# gateway is BROWSER_PORT+1, the payment provider BROWSER_PORT+400).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
venv=.data/browser/venv
out=.data/browser
pg_port=${TEST_PG_PORT:-25433}
redis_port=${TEST_REDIS_PORT:-26380}
port=${BROWSER_PORT:-18400}

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || missing+=(fonts-liberation)
if [ ${#missing[@]} -gt 0 ]; then
    echo "browser: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import selenium, axe_selenium_python' 2>/dev/null; then
    echo "browser: installing selenium and axe-selenium-python into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "selenium==4.51.0" "axe-selenium-python==2.1.6"
fi

# A database and a Redis database of the browser run's own, fresh each time.
admin_url="postgres://app@127.0.0.1:$pg_port/orders"
export DATABASE_URL="postgres://app@127.0.0.1:$pg_port/browser"
export REDIS_URL="redis://127.0.0.1:$redis_port/4"
psql "$admin_url" -qc "DROP DATABASE IF EXISTS browser WITH (FORCE)" -c "CREATE DATABASE browser"
redis-cli -p "$redis_port" -n 4 flushdb >/dev/null

# Orders move on their own after 15 s, so a test sees a worker do it; the cancel window is the
# same. Limits stay the defaults' shape but wide enough for one test's traffic.
export ENV=test LOG_LEVEL=warning AUTO_PROCESS_AFTER_SECONDS=15 CANCEL_WINDOW_SECONDS=15 TIMEZONE=Asia/Kolkata
export RATE_LIMIT_LOGIN_IP=1000/min RATE_LIMIT_LOGIN_USER=1000/min RATE_LIMIT_REGISTER_IP=1000/min
.build/debug/gateway migrate >/dev/null
.build/debug/gateway seed-demo >/dev/null

# Orders are paid for, as in `make dev`: localstripe (its test methods offered by name), its
# webhook to the gateway.
rm -rf "$out/stripe"
trap 'ops/local/stack.sh stop >/dev/null 2>&1 || true; ops/local/payment-provider.sh stop "$out/stripe" >/dev/null 2>&1 || true' EXIT
ops/local/payment-provider.sh start "$out/stripe" $((port + 400)) "http://127.0.0.1:$((port + 1))/api/payments/stripe/webhook" \
    whsec_browser >/dev/null
export PAYMENTS=stripe STRIPE_API_BASE="http://127.0.0.1:$((port + 400))" STRIPE_SECRET_KEY=sk_test_browser STRIPE_WEBHOOK_SECRET=whsec_browser

export STACK=browser PORT=$port GATEWAY_PORT=$((port + 1)) WORKER_PORT=$((port + 100))
GATEWAYS=1 WORKERS=1 ops/local/stack.sh start >/dev/null

rm -rf "$out/screenshots"
BASE_URL="http://localhost:$port" SCREENSHOTS="$out/screenshots" REDIS_PORT="$redis_port" REDIS_DB=4 \
    "$venv/bin/python" Tests/Browser/console_flows.py
echo "browser: screenshots in $root/$out/screenshots"
