# Ginkgo Live — the two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
TESTBED := e2e/testbed
COVERAGE_TOOL ?= $(firstword $(wildcard ../shared/tools/scenario-coverage /work/shared/tools/scenario-coverage))

.PHONY: all deps build demo test unit testbed-up testbed-down bench bench-compare crds soak lint clean image up down

all: build

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

deps: node_modules/.package-lock.json

build: deps
	npx tsc -b

demo: build
	node livecore/dist/demo/demo-main.js

testbed-up:
	$(TESTBED)/testbed-up.sh

testbed-down:
	$(TESTBED)/testbed-down.sh

# The container image (Containerfile) with podman, no registry and no network: docker.io/ginkgo-live/ginkgo-live:<appVersion>.
image:
	$(TESTBED)/image.sh $(TAG)

# Try it: test bed + its Kubernetes node, the image, helm install, the examples and the feeder's tape.
up: build
	$(TESTBED)/up.sh

down:
	$(TESTBED)/down.sh

# Every test (unit, integration, e2e) in one jest run against the real test bed.
test: build testbed-up
	@mkdir -p reports
	@set -o pipefail; rc=0; \
	NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile=reports/jest.json $(JEST_ARGS) || rc=$$?; \
	if [ -n "$(COVERAGE_TOOL)" ] && [ -x "$(COVERAGE_TOOL)" ]; then $(COVERAGE_TOOL) reports/jest.json || true; fi; \
	exit $$rc

# Unit tests only: no servers needed.
unit: build
	NODE_OPTIONS=--experimental-vm-modules npx jest --testPathIgnorePatterns '/node_modules/' '/dist/' '\.int\.test\.ts$$' '/e2e/' $(JEST_ARGS)

# Benchmarks print figures and ratios against a baseline measured in the same run (no assertions).
# Every figure also goes to reports/bench.json ({ name, value, unit, baseline?, ratio? } per figure).
bench: build testbed-up
	@mkdir -p reports; rm -f reports/bench.json
	set -o pipefail; set -a; . $${GINKGO_CACHE:-$$HOME/.cache/ginkgo-live}/run/testbed.env; set +a; \
	npm run bench --workspaces --if-present 2>&1 | node packages/platform/dist/tools/bench-collect-main.js reports/bench.json

# Soak (S7.01), outside `make test`: one node routes SOAK_EVENTS ticks (default 1e6) through the test bed's Kafka;
# prints RSS and heap slope per million events (reports/soak.json), fails when the heap keeps growing.
soak: build testbed-up
	set -a; . $${GINKGO_CACHE:-$$HOME/.cache/ginkgo-live}/run/testbed.env; set +a; \
	cd node-runtime && npx tsc -p bench/tsconfig.json && node --expose-gc dist-bench/soak.js

# make bench-compare OLD.json NEW.json (or A=... B=...): the change of each figure between two bench reports.
ifeq (bench-compare,$(firstword $(MAKECMDGOALS)))
BENCH_FILES := $(wordlist 2,3,$(MAKECMDGOALS))
# The two file names are goals too: make them no-ops.
$(eval .PHONY: $(sort $(BENCH_FILES)))
$(eval $(sort $(BENCH_FILES)):;@:)
endif
bench-compare: build
	@node packages/platform/dist/tools/bench-compare-main.js $(or $(A),$(word 1,$(BENCH_FILES))) $(or $(B),$(word 2,$(BENCH_FILES)))

crds: build
	node operator/dist/crd/generate-crd-main.js > crds/portfolios.ginkgo.live.yaml
	cp crds/portfolios.ginkgo.live.yaml charts/ginkgo-live/crds/

lint: deps
	npx tsc -b
	npx tsc -p tsconfig.test.json --noEmit

clean:
	rm -rf reports packages/*/dist operator/dist node-runtime/dist livecore/dist e2e/dist
