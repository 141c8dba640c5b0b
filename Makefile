# Order platform: `make dev` runs everything locally, `make test` runs the whole test suite.
# Both start private Postgres and Redis servers on loopback (data under .data/, git-ignored),
# installing redis-server, libhiredis-dev, libjemalloc-dev and postgresql first if they are missing.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Ports of the private stores: dev and test stacks are separate, so `make test` never
# disturbs a running `make dev`. All lie below Linux's ephemeral range (32768–60999), where an
# outgoing connection's local port could hold one just as a store starts.
DEV_PG_PORT     ?= 25432
DEV_REDIS_PORT  ?= 26379
TEST_PG_PORT    ?= 25433
TEST_REDIS_PORT ?= 26380
DEV_SMTP_PORT   ?= 2525
DEV_STRIPE_PORT ?= 2526
CHAOS_PG_PORT   ?= 25435
CHAOS_REDIS_PORT ?= 26382

# The release build's extra flags: jemalloc as malloc (the allocator Hummingbird's own template
# links; libjemalloc-dev comes with the stores' packages), 4-7 % less CPU per read (BENCHMARKS.md).
RELEASE_FLAGS ?= -Xlinker -ljemalloc

# App processes of the dev stack: nginx on PORT balances the gateways on GATEWAY_PORT and up;
# workers answer health and metrics on WORKER_PORT and up. GATEWAYS (default 1) and WORKERS
# (default 2) are read by ops/local/stack.sh; `make scale` keeps the count it is not given.
export PORT         ?= 8000
export GATEWAY_PORT ?= 8001
export WORKER_PORT  ?= 9100

# Configuration for the dev processes; anything set in the environment wins and reaches
# every gateway and worker (e.g. `AUTO_PROCESS_AFTER_SECONDS=3 make dev`).
export ENV          ?= development
export DATABASE_URL ?= postgres://app@127.0.0.1:$(DEV_PG_PORT)/orders
export REDIS_URL    ?= redis://127.0.0.1:$(DEV_REDIS_PORT)/0
export LOG_FORMAT   ?= text
# The local nginx is the only proxy: its X-Forwarded-For names the client.
export TRUSTED_PROXIES ?= 127.0.0.1

STORES := ops/local/stores.sh
STACK  := ops/local/stack.sh
# The dev stack's processes may deliver webhooks to receivers on this machine (http, loopback)
# and send customers' emails to the local mail sink, unless the environment says otherwise; the
# test stacks keep the guard on and send no email.
# Orders are paid through the local localstripe (test keys of its own) unless PAYMENTS or
# STRIPE_API_BASE says otherwise.
DEV_STRIPE_WEBHOOK_SECRET := whsec_devlocalstripeZGV2LXdlYmhvb2stc2VjcmV0
DEV_STACK = WEBHOOK_ALLOW_PRIVATE_NETWORKS=$${WEBHOOK_ALLOW_PRIVATE_NETWORKS:-true} \
	SMTP_URL=$${SMTP_URL:-smtp://127.0.0.1:$(DEV_SMTP_PORT)} SMTP_FROM=$${SMTP_FROM:-orders@shop.localhost} \
	PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
	PAYMENTS=$${PAYMENTS:-stripe} STRIPE_API_BASE=$${STRIPE_API_BASE:-http://127.0.0.1:$(DEV_STRIPE_PORT)} \
	STRIPE_SECRET_KEY=$${STRIPE_SECRET_KEY:-sk_test_localstripe} \
	STRIPE_WEBHOOK_SECRET=$${STRIPE_WEBHOOK_SECRET:-$(DEV_STRIPE_WEBHOOK_SECRET)} $(STACK)
MAIL_SINK := ops/local/mail-sink.sh
PAYMENT_PROVIDER := ops/local/payment-provider.sh
# Runs a command with a stack's stores and stops them, and whatever its tests started, however it ends.
WITH_STORES := ops/local/with-stores.sh
# The test stack trades durability for speed: its data is thrown away anyway.
TEST_PG_OPTS := -c fsync=off -c synchronous_commit=off -c full_page_writes=off
WITH_TEST_STORES = PG_MAX_CONNECTIONS=1000 PG_EXTRA_OPTS="$(TEST_PG_OPTS)" $(WITH_STORES) test $(TEST_PG_PORT) $(TEST_REDIS_PORT)
# The two load tests (thousands of requests through a debug gateway) and the suites that start a
# payment provider (a localstripe process per test, worker processes) run after the rest: in one
# burst with every other suite they starved this machine's two cores, and 2 s store timeouts fired.
LOAD_TESTS := aClientThatReadsNothingIsDisconnected|noFieldAtAnExtremeEarnsA5xxOrStopsTheGateway|Payment|Stripe
# Test cases run at once by one `swift test` (Swift Testing starts every case at once by default:
# 370 starting together on two cores held tasks back 8 s and fired 2 s store timeouts). A case
# waits for its turn before its time limit starts. Empty: no limit.
TEST_PARALLELISM ?= 8
TEST_PARALLELISM_ENV = $(if $(TEST_PARALLELISM),SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_PARALLELISM))
# make test-cluster: suites that start clusters of their own (RedisClusterTests, JobQueueTests with
# CLUSTER_TESTS=1) and the gateway's (sessions, rate limits, carts, events, orders) on the one it
# starts, the load tests and payment suites left out as in make test's first part.
TEST_CLUSTER_PORT ?= 27100
CLUSTER_SUITES := RedisClusterTests|JobQueueTests|JobWorkerTests/aClusterPrimaryKilledUnderLoad|JobWorkerTests/slotsMovedBetweenPrimariesUnderLoad|SessionStoreTests|GatewayTests
TEST_STORE_URLS = TEST_DATABASE_URL=postgres://app@127.0.0.1:$(TEST_PG_PORT)/orders TEST_REDIS_URL=redis://127.0.0.1:$(TEST_REDIS_PORT)/0

.PHONY: help dev test test-cluster test-e2e test-browser test-chaos stores-chaos fuzz format lint bench bench-quick build release migrate stop clean-data logs status scale restart-gateways stores-dev stores-test packages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

format: ## Format every Swift file in place (swift format, .swift-format)
	swift format format -i -r Sources Tests Package.swift

lint: packages ## Fail on a formatting difference or a target importing a module it does not declare
	swift format lint --strict -r Sources Tests Package.swift
	swift build --build-tests --explicit-target-dependency-import-check error

stores-dev:
	@$(STORES) start dev $(DEV_PG_PORT) $(DEV_REDIS_PORT)

stores-test:
	@PG_MAX_CONNECTIONS=1000 PG_EXTRA_OPTS="$(TEST_PG_OPTS)" $(STORES) start test $(TEST_PG_PORT) $(TEST_REDIS_PORT)

packages:
	@$(STORES) packages

build: packages ## Debug build of the gateway and worker (and the API viewer's files, from PyPI)
	swift build
	@ops/local/swagger-ui.sh .build/debug/swagger-ui

release: packages ## Release build (with RELEASE_FLAGS: jemalloc; RELEASE_FLAGS= for the C library's malloc)
	swift build -c release $(RELEASE_FLAGS)
	@ops/local/swagger-ui.sh .build/release/swagger-ui

migrate: build stores-dev ## Apply database migrations to the dev database
	.build/debug/gateway migrate

dev: migrate ## Start stores, migrate, seed demo data, run GATEWAYS gateways behind nginx and WORKERS workers
	@.build/debug/gateway seed-demo
	@[ -n "$${SMTP_URL:-}" ] || $(MAIL_SINK) start .data/dev/mail $(DEV_SMTP_PORT)
	@[ -n "$${PAYMENTS:-}$${STRIPE_API_BASE:-}" ] || $(PAYMENT_PROVIDER) start .data/dev/stripe $(DEV_STRIPE_PORT) \
		http://127.0.0.1:$(PORT)/api/payments/stripe/webhook $(DEV_STRIPE_WEBHOOK_SECRET)
	@$(DEV_STACK) start
	@echo
	@echo "API (nginx): http://127.0.0.1:$(PORT)  (curl localhost:$(PORT)/api/health)"
	@echo "Logs: make logs    Status: make status    Scale: make scale WORKERS=5    Stop: make stop"

scale: ## Change a running dev stack to GATEWAYS gateways and WORKERS workers (e.g. make scale WORKERS=5)
	@$(DEV_STACK) scale

restart-gateways: build ## Restart the dev gateways one at a time behind nginx, without a failed request
	@$(DEV_STACK) restart-gateways

status: ## Show each dev process, its port and its readiness
	@$(STACK) status
	@$(STORES) status dev $(DEV_PG_PORT) $(DEV_REDIS_PORT)
	@$(MAIL_SINK) status .data/dev/mail $(DEV_SMTP_PORT)
	@$(PAYMENT_PROVIDER) status .data/dev/stripe

logs: ## Follow the dev processes' logs
	tail -n 50 -F .data/dev/logs/*.log

test: packages ## Run the whole test suite on test stores of its own (started, then stopped with all it started)
	swift build --build-tests
	@ops/local/peers.sh >/dev/null
	$(WITH_TEST_STORES) env $(TEST_STORE_URLS) $(TEST_PARALLELISM_ENV) bash -c 'timeout -s KILL 600 swift test --skip-build --skip "$(LOAD_TESTS)" && \
	  timeout -s KILL 600 swift test --skip-build --filter "$(LOAD_TESTS)"'

test-cluster: packages ## Redis Cluster: the client's cluster tests and the job-queue, session and rate-limit suites on real 3+3 clusters on loopback
	swift build --build-tests
	@trap 'ops/local/redis-cluster.sh stop .data/test-cluster' EXIT; \
	  nodes=$$(ops/local/redis-cluster.sh start .data/test-cluster $(TEST_CLUSTER_PORT)) && \
	  $(WITH_TEST_STORES) env $(TEST_STORE_URLS) $(TEST_PARALLELISM_ENV) CLUSTER_TESTS=1 TEST_REDIS_CLUSTER_NODES=$$nodes \
	    timeout -s KILL 600 swift test --skip-build --filter "$(CLUSTER_SUITES)" --skip "$(LOAD_TESTS)"

test-e2e: packages ## Whole-platform tests: nginx, gateways and workers as processes, scaled, killed, restarted
	swift build --build-tests
	$(WITH_TEST_STORES) env $(TEST_STORE_URLS) E2E_TESTS=1 timeout -s KILL 600 swift test --skip-build --filter EndToEndTests

bench: release ## Release build, private tuned stack, wrk + pgbench + jobs + deliveries; writes bench/results/<date>.md
	@WITH_WRK=1 $(STORES) packages
	@ops/local/peers.sh >/dev/null
	bench/run.sh

bench-quick: release ## The benchmark in under two minutes (one connection count, 2,000 jobs, 1 worker)
	@WITH_WRK=1 $(STORES) packages
	@ops/local/peers.sh >/dev/null
	QUICK=1 bench/run.sh

stores-chaos:
	@$(STORES) start chaos $(CHAOS_PG_PORT) $(CHAOS_REDIS_PORT)

test-chaos: packages ## Faults on a live stack under traffic: workers, gateways, Redis, the payment provider killed; Postgres restarted one at a time and in a storm
	swift build --build-tests
	@ops/local/peers.sh >/dev/null
	@ops/local/swagger-ui.sh .build/debug/swagger-ui
	$(WITH_STORES) chaos $(CHAOS_PG_PORT) $(CHAOS_REDIS_PORT) env CHAOS_TESTS=1 CHAOS_PG_PORT=$(CHAOS_PG_PORT) \
	  CHAOS_REDIS_PORT=$(CHAOS_REDIS_PORT) TEST_DATABASE_URL=postgres://app@127.0.0.1:$(CHAOS_PG_PORT)/orders \
	  TEST_REDIS_URL=redis://127.0.0.1:$(CHAOS_REDIS_PORT)/0 timeout -s KILL 900 swift test --skip-build --filter ChaosTests

test-browser: build ## The web console in real headless Chromium (Selenium, axe-core): every role's flows, screenshots
	$(WITH_TEST_STORES) env TEST_PG_PORT=$(TEST_PG_PORT) TEST_REDIS_PORT=$(TEST_REDIS_PORT) Tests/Browser/console.sh

fuzz: build ## schemathesis (private venv) against a live gateway, anonymously and as each role
	$(WITH_TEST_STORES) env TEST_PG_PORT=$(TEST_PG_PORT) TEST_REDIS_PORT=$(TEST_REDIS_PORT) Tests/Fuzz/schemathesis.sh

stop: ## Stop the dev processes and every private store
	@$(STACK) stop
	@$(MAIL_SINK) stop .data/dev/mail $(DEV_SMTP_PORT)
	@$(PAYMENT_PROVIDER) stop .data/dev/stripe
	@$(STORES) stop dev $(DEV_PG_PORT) $(DEV_REDIS_PORT)
	@$(STORES) stop test $(TEST_PG_PORT) $(TEST_REDIS_PORT)
	@$(STORES) stop chaos $(CHAOS_PG_PORT) $(CHAOS_REDIS_PORT)

clean-data: stop ## Stop everything and delete all local data
	rm -rf .data
