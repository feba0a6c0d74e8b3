# Ginkgo Live — the two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
TESTBED := e2e/testbed
# `make lint` fails on unformatted files; PRETTIER_CHECK=0 skips that check (e.g. before a formatting pass).
PRETTIER_CHECK ?= 1
# The cache keys on file contents; type-aware results of an unchanged file can go stale when a file it imports
# changes, so a clean run (CI, or `rm -rf node_modules/.cache/eslint`) is the reference.
ESLINT := npx eslint --cache --cache-strategy content --cache-location node_modules/.cache/eslint/
COVERAGE_TOOL ?= $(firstword $(wildcard ../shared/tools/scenario-coverage /work/shared/tools/scenario-coverage))

.PHONY: all help deps build demo test unit testbed-up testbed-down bench bench-compare crds soak chaos lint format clean image up down

all: build ## Same as build

help: ## List the targets with what each does
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-zA-Z_-]+:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

deps: node_modules/.package-lock.json ## Install node_modules from package-lock.json (npm ci) when the lock changed

build: deps ## Compile every workspace (tsc -b)
	npx tsc -b

demo: build ## Run the in-process demo (every component embedded, in memory)
	node demo/dist/demo-main.js

testbed-up: ## Start the test bed (Kafka, Redis, MariaDB, Kubernetes node)
	$(TESTBED)/testbed-up.sh

testbed-down: ## Stop the test bed
	$(TESTBED)/testbed-down.sh

# The container image (Containerfile) with podman, no registry and no network: docker.io/ginkgo-live/ginkgo-live:<appVersion>.
image: ## Build the container image with podman (TAG=... to override the tag)
	$(TESTBED)/image.sh $(TAG)

# Try it: test bed + its Kubernetes node, the image, helm install, the examples and the feeder's tape.
up: build ## Test bed + node + image + helm install + examples + the feeder's tape
	$(TESTBED)/up.sh

down: ## Tear down what `make up` started
	$(TESTBED)/down.sh

# Every test (unit, integration, e2e) in one jest run against the real test bed.
test: build testbed-up ## Every test (unit, integration, e2e) against the real test bed
	@mkdir -p reports
	@set -o pipefail; rc=0; \
	NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile=reports/jest.json $(JEST_ARGS) || rc=$$?; \
	if [ -n "$(COVERAGE_TOOL)" ] && [ -x "$(COVERAGE_TOOL)" ]; then $(COVERAGE_TOOL) reports/jest.json || true; fi; \
	exit $$rc

# Unit tests only: no servers needed.
unit: build ## Unit tests only, no servers needed
	NODE_OPTIONS=--experimental-vm-modules npx jest --testPathIgnorePatterns '/node_modules/' '/dist/' '\.int\.test\.ts$$' '/e2e/' $(JEST_ARGS)

# Benchmarks print figures and ratios against a baseline measured in the same run (no assertions).
# Every figure also goes to reports/bench.json ({ name, value, unit, baseline?, ratio? } per figure).
bench: build testbed-up ## Benchmarks, figures to reports/bench.json
	@mkdir -p reports; rm -f reports/bench.json
	set -o pipefail; set -a; . $${GINKGO_CACHE:-$$HOME/.cache/ginkgo-live}/run/testbed.env; set +a; \
	npm run bench --workspaces --if-present 2>&1 | node packages/platform/dist/tools/bench-collect-main.js reports/bench.json

# Soak (S7.01), outside `make test`: one node with SOAK_PORTFOLIOS (500) portfolios takes a paced tape through the
# test bed's Kafka, SOAK_RATE ticks/s (2000) for SOAK_SECONDS, else SOAK_EVENTS ticks (1e6); prints peak RSS and the
# RSS and heap slopes per million events and per hour (node-runtime/reports/soak.json, node.soak.* figures merged
# into reports/bench.json), fails when the heap keeps growing. An hour: make soak SOAK_SECONDS=3600 SOAK_RATE=1000
# SOAK_NODE_FLAGS: extra node flags of the soaked process, e.g. --max-old-space-size=256 (a V8 heap budget).
soak: build testbed-up ## Soak run through Kafka; fails when the heap keeps growing
	@mkdir -p reports
	set -o pipefail; set -a; . $${GINKGO_CACHE:-$$HOME/.cache/ginkgo-live}/run/testbed.env; set +a; \
	(cd node-runtime && npx tsc -p bench/tsconfig.json && node --expose-gc $(SOAK_NODE_FLAGS) dist-bench/soak.js) 2>&1 \
	| node packages/platform/dist/tools/bench-collect-main.js reports/bench.json

# Chaos day (issue 15), outside `make test`: a clean run and a run under seeded faults of the same tape and
# portfolios on a test bed of its own (other ports, e2e/testbed/chaos-bed.sh), torn down after; they must end
# equal. SEED=n replays a run; CHAOS_PORTFOLIOS, CHAOS_DAYS, CHAOS_MINUTES size it (e2e/README.md). CHAOS_KEEP=1
# keeps the chaos bed up. Table on stdout, result in reports/chaos.json.
chaos: build ## Chaos day: clean vs seeded faults, must end equal (SEED=n replays)
	@mkdir -p reports
	@rc=0; $(TESTBED)/chaos-bed.sh up >reports/chaos-bed.log 2>&1 || { tail -30 reports/chaos-bed.log; exit 1; }; \
	eval "$$($(TESTBED)/chaos-bed.sh env)"; \
	SEED=$(SEED) LOG_LEVEL=$${CHAOS_LOG_LEVEL:-fatal} NODE_OPTIONS=--experimental-vm-modules npx jest --config e2e/chaos/jest.config.js --ci $(JEST_ARGS) || rc=$$?; \
	[ "$(CHAOS_KEEP)" = 1 ] || $(TESTBED)/chaos-bed.sh down >>reports/chaos-bed.log 2>&1; \
	exit $$rc

# make bench-compare OLD.json NEW.json (or A=... B=...): the change of each figure between two bench reports.
ifeq (bench-compare,$(firstword $(MAKECMDGOALS)))
BENCH_FILES := $(wordlist 2,3,$(MAKECMDGOALS))
# The two file names are goals too: make them no-ops.
$(eval .PHONY: $(sort $(BENCH_FILES)))
$(eval $(sort $(BENCH_FILES)):;@:)
endif
bench-compare: build ## make bench-compare OLD.json NEW.json: change of each figure
	@node packages/platform/dist/tools/bench-compare-main.js $(or $(A),$(word 1,$(BENCH_FILES))) $(or $(B),$(word 2,$(BENCH_FILES)))

crds: build ## Regenerate the Portfolio CRD into crds/ and the chart
	node operator/dist/crd/generate-crd-main.js > crds/portfolios.ginkgo.live.yaml
	cp crds/portfolios.ginkgo.live.yaml charts/ginkgo-live/crds/

# ESLint runs after tsc -b: its type information reads the workspaces' built .d.ts files.
lint: build ## ESLint, Prettier check (PRETTIER_CHECK=0 skips it), tsc build and the tests' type check
	npx tsc -p tsconfig.test.json --noEmit
	$(ESLINT) .
ifneq ($(PRETTIER_CHECK),0)
	npx prettier --check --log-level warn .
endif

scenario-index: ## Refresh docs/scenarios.md (which tests prove each scenario) from the test titles
	node e2e/scripts/scenario-index.mjs

format: deps ## Format every file Prettier handles (prettier --write)
	npx prettier --write --log-level warn .

clean: ## Remove build output and reports
	rm -rf reports packages/*/dist operator/dist node-runtime/dist livecore/dist demo/dist e2e/dist
