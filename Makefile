# backfill-from-dolt: build, test and demo entry points (GNU make).
#   make build                 debug build (swift build)
#   make test                  deps, swift build, swift test, fuzzing (bounded), static build, local servers, sample data, integration tests
#   make static                fully static, stripped binary: .build/static/backfill-from-dolt (commit stamped)
#   make fuzz                  build the libFuzzer targets and run each for FUZZ_SECONDS (default 4)
#   make demo                  local servers + sample data, release build, a real backfill run twice
#   make backfill ARGS=...     run the release binary (settings from .state/env.sh if present)
#   make up / make down        start / stop the local MariaDB + S3 servers (+ nginx TLS front)
#   make bench-tls             our TLS 1.3 stack beside curl: handshakes, 1 MiB PUTs (release build)
#   make clean                 stop the servers, remove .state and .build
#   make bench                 benchmark vs the replaced script + crypto vs openssl (not in make test)
#   make bench-memory          peak RSS of --all over 500 tickers x 10 years
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

PYTHON ?= python3
IT := Tests/Integration
STATE_DIR ?= $(CURDIR)/.state
PYTEST_ARGS ?= -q
export STATE_DIR PYTHON

FUZZ_SECONDS ?= 4
export FUZZ_SECONDS

.PHONY: build release static deps test integration demo backfill up down clean bench bench-memory fuzz

build:
	swift build

release:
	swift build -c release --product backfill-from-dolt

# Runs in an empty root or FROM scratch: no shared libraries, no NSS (see README, Deployment).
static:
	.ci/build-static.sh

deps:
	$(IT)/install-deps.sh

# The servers are stopped whatever happens (EXIT trap); the exit status of the failing step is kept.
test: deps
	swift build
	swift test
	.ci/build-static.sh
	$(MAKE) fuzz
	trap '$(IT)/servers-down.sh' EXIT; \
	$(IT)/servers-up.sh; \
	. "$(STATE_DIR)/env.sh"; \
	$(PYTHON) $(IT)/load_sample_data.py; \
	$(PYTHON) -m pytest $(IT) $(PYTEST_ARGS)

# libFuzzer targets (Tests/Fuzz): built outside SwiftPM with -sanitize=fuzzer,address, each run for
# FUZZ_SECONDS on a corpus seeded from Fixtures; any crash, trap, hang or OOM fails.
fuzz:
	Tests/Fuzz/build.sh
	Tests/Fuzz/run.sh

# Integration tests only, against servers that are already up (make up) and a built binary.
integration:
	. "$(STATE_DIR)/env.sh"; \
	$(PYTHON) $(IT)/load_sample_data.py; \
	$(PYTHON) -m pytest $(IT) $(PYTEST_ARGS)

demo: deps up release
	. "$(STATE_DIR)/env.sh"; \
	$(PYTHON) $(IT)/load_sample_data.py; \
	bin=.build/release/backfill-from-dolt; \
	echo; echo "### first run: writes one Parquet file per ticker, dataset and month"; \
	$$bin --dolt-host "$$DOLT_HOST" --dolt-port "$$DOLT_PORT" --tickers AAPL MSFT GOOGL; \
	echo; echo "### second run: every file already exists and is merged (N existing + N new = N total)"; \
	$$bin --dolt-host "$$DOLT_HOST" --dolt-port "$$DOLT_PORT" --tickers AAPL MSFT GOOGL; \
	echo; echo "### bucket $$R2_BUCKET at $$R2_ENDPOINT"; \
	$(PYTHON) $(IT)/list_bucket.py; \
	echo; echo "The servers are still running (settings: source .state/env.sh). Stop them with: make down"

# Like the guide: make backfill ARGS='--tickers AAPL MSFT'. With .state/env.sh (make up) the local
# servers are used; otherwise your own environment (R2_*, DOLT_PASSWORD, .env) and --dolt-* flags.
backfill: release
	if [ -f "$(STATE_DIR)/env.sh" ]; then . "$(STATE_DIR)/env.sh"; fi; \
	conn=(); \
	case " $(ARGS) " in *" --dolt-host"*|*" --dolt-port"*) ;; *) \
	  if [ -n "$${DOLT_HOST:-}" ]; then conn+=(--dolt-host "$$DOLT_HOST"); fi; \
	  if [ -n "$${DOLT_PORT:-}" ]; then conn+=(--dolt-port "$$DOLT_PORT"); fi ;; \
	esac; \
	.build/release/backfill-from-dolt "$${conn[@]}" $(ARGS)

# Our TLS beside curl on the same nginx TLS front: handshakes and 1 MiB PUTs (not part of make test).
.PHONY: bench-tls
bench-tls: deps
	swift build -c release --product backfill-from-dolt
	swift build -c release --product tls-bench
	trap '$(IT)/servers-down.sh' EXIT; \
	$(IT)/servers-up.sh; \
	$(PYTHON) Tests/Bench/tls_vs_curl.py $(BENCH_TLS_ARGS)

up: deps
	$(IT)/servers-up.sh

down:
	$(IT)/servers-down.sh

clean: down
	rm -rf "$(STATE_DIR)" .build

# Benchmarks (Tests/Bench/run_bench.py): own servers, ports and state, stopped whatever happens.
BENCH_STATE ?= $(CURDIR)/.state-bench
BENCH_MARIADB_PORT ?= 13316
BENCH_S3_PORT ?= 19010
BENCH_TLS_PORT ?= 19453
bench-%-run: deps
	Tests/Bench/install-deps.sh
	swift build -c release --product backfill-from-dolt
	swift build -c release --product backfill-bench
	export STATE_DIR="$(BENCH_STATE)" MARIADB_PORT=$(BENCH_MARIADB_PORT) S3_PORT=$(BENCH_S3_PORT) TLS_PORT=$(BENCH_TLS_PORT); \
	trap '$(IT)/servers-down.sh' EXIT; \
	$(IT)/servers-up.sh; \
	. "$$STATE_DIR/env.sh"; \
	$(PYTHON) Tests/Bench/run_bench.py --part $*

bench: bench-all-run
bench-memory: bench-memory-run
