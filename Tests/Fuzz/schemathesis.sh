#!/usr/bin/env bash
# `make fuzz`: schemathesis against a live gateway, from the document the gateway serves.
#
# Installs schemathesis (pinned) into a private venv under .data/fuzz, starts a gateway and a
# worker on a database of their own (on the test Postgres and Redis, which the Makefile starts),
# seeds the demo accounts, and runs every operation anonymously and as each role. A 5xx, a
# response the document does not describe, a request the schema forbids that is accepted, or a
# crash fails the run.
#
# Both data modes run (`--mode all`): positive cases the schema allows, and the negative phase of
# cases it forbids (wrong types, values out of range, missing fields), which must be refused
# with a 4xx (`negative_data_rejection`). All checks run but `positive_data_acceptance` (a request the schema allows must get a 2xx): the
# schema cannot know which SKUs are in the catalog, which cursors this server gave out, or which
# dates exist, and those requests rightly get 400 or 422. `--generation-codec utf-8`: the API
# reads UTF-8 JSON (RFC 8259), which lone UTF-16 surrogates are not. One worker: with two,
# hypothesis parses lambda sources on two threads at once and CPython 3.11's ast module fails
# with "AST constructor recursion depth mismatch" (a crash of the fuzzer, not of the gateway).
#
# Environment: TEST_PG_PORT (25433), TEST_REDIS_PORT (26380), FUZZ_EXAMPLES (examples per
# operation, 30), FUZZ_PORT (18300: nginx; the gateway fuzzed directly is FUZZ_PORT+1).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
version=4.32.5
venv=.data/fuzz/venv
reports=.data/fuzz/reports
pg_port=${TEST_PG_PORT:-25433}
redis_port=${TEST_REDIS_PORT:-26380}
examples=${FUZZ_EXAMPLES:-30}
port=${FUZZ_PORT:-18300}
gateway="http://127.0.0.1:$((port + 1))"

if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version | grep -q "$version"; then
    echo "fuzz: installing schemathesis $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

# A database and a Redis database of the fuzz run's own, fresh each time.
admin_url="postgres://app@127.0.0.1:$pg_port/orders"
export DATABASE_URL="postgres://app@127.0.0.1:$pg_port/fuzz"
export REDIS_URL="redis://127.0.0.1:$redis_port/3"
psql "$admin_url" -qc "DROP DATABASE IF EXISTS fuzz WITH (FORCE)" -c "CREATE DATABASE fuzz"
redis-cli -p "$redis_port" -n 3 flushdb >/dev/null

export ENV=test LOG_LEVEL=error LOG_FORMAT=json AUTO_PROCESS_AFTER_SECONDS=5 MAX_PENDING_ORDERS=100000
export RATE_LIMIT_LOGIN_IP=100000/min RATE_LIMIT_LOGIN_USER=100000/min RATE_LIMIT_REGISTER_IP=100000/min
export RATE_LIMIT_ANONYMOUS=100000/s RATE_LIMIT_USER=100000/s
# The fuzzer creates webhook endpoints with any URL it likes: nothing may resolve or reach them
# (no test leaves loopback). The gateway saves them without resolving their hosts, and the worker
# runs transitions only, so no delivery is ever attempted.
export WEBHOOK_ALLOW_PRIVATE_NETWORKS=true JOB_KINDS=transition
.build/debug/gateway migrate >/dev/null
.build/debug/gateway seed-demo >/dev/null

export STACK=fuzz PORT=$port GATEWAY_PORT=$((port + 1)) WORKER_PORT=$((port + 100))
trap 'ops/local/stack.sh stop >/dev/null 2>&1 || true; ops/local/payment-provider.sh stop .data/fuzz/stripe' EXIT
# Payments on, against a localstripe of the run's own on loopback: the payment and refund
# operations are fuzzed with the provider answering (its state thrown away each run).
stripe_port=$((port + 200))
rm -rf .data/fuzz/stripe
ops/local/payment-provider.sh start .data/fuzz/stripe "$stripe_port" \
    "http://127.0.0.1:$((port + 1))/api/payments/stripe/webhook" whsec_fuzzZnV6ei13ZWJob29rLXNlY3JldA >/dev/null
export PAYMENTS=stripe STRIPE_API_BASE="http://127.0.0.1:$stripe_port" STRIPE_SECRET_KEY=sk_test_fuzz
export STRIPE_WEBHOOK_SECRET=whsec_fuzzZnV6ei13ZWJob29rLXNlY3JldA
GATEWAYS=1 WORKERS=1 ops/local/stack.sh start >/dev/null

token() {
    curl -fsS "$gateway/api/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$1-password\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

mkdir -p "$reports"
status=0
# Operations that end the fuzzer's own session (or could) run last, on a throwaway token. The
# live event stream is left out: an accepted stream never ends, which the fuzzer would call a
# hang (EventStreamTests check its refusals against the real stores).
session_enders=(--exclude-operation-id logout --exclude-operation-id revokeSession --exclude-operation-id updateMe)
run() {
    local name=$1
    shift
    echo "fuzz: $name"
    "$venv/bin/schemathesis" run "$gateway/openapi.json" --mode all --checks all --exclude-checks positive_data_acceptance --max-examples "$examples" --seed 1 \
        --workers 1 --no-color --suppress-health-check all --generation-database none --generation-codec utf-8 \
        --exclude-operation-id streamEvents --report junit --report-junit-path "$reports/$name.xml" "$@" || status=1
}
run anonymous
# A token that cannot be had fails the run: fuzzing with none would pass on 401s alone.
for role in customer vendor admin; do
    bearer=$(token "$role") || { echo "fuzz: $role cannot sign in" >&2; exit 1; }
    run "$role" -H "Authorization: Bearer $bearer" "${session_enders[@]}"
done
# The session-enders' own customer, registered now: the admin run may have deactivated the
# seeded ones or changed their passwords.
curl -fsS "$gateway/api/auth/register" -H 'Content-Type: application/json' \
    -d '{"username":"fuzz_enders","email":"fuzz_enders@example.com","password":"fuzz_enders-password"}' >/dev/null
# Each on a fresh sign-in (a logout ends the token for whatever runs after it); `updateMe`, which
# may change the password, last.
for operation in logout revokeSession updateMe; do
    bearer=$(token fuzz_enders) || { echo "fuzz: the session-enders' user cannot sign in" >&2; exit 1; }
    run "session-enders-$operation" -H "Authorization: Bearer $bearer" --include-operation-id "$operation"
done
exit $status
