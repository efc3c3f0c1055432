# WorkPlan: the two set-up commands are `make demo` and `make test`.
SWIFT ?= swift
## Release builds link the Swift runtime statically: commands start faster, and the
## binaries run on a machine without a Swift toolchain.
RELEASE := -c release --static-swift-stdlib
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build test demo bench clean

## Installs what is missing on a fresh Debian machine with Swift (libsqlite3-dev for GRDB).
deps:
	@dpkg -s libsqlite3-dev >/dev/null 2>&1 || { \
		echo "installing libsqlite3-dev"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q libsqlite3-dev; }

build: deps
	$(SWIFT) build

## Runs the whole test suite (unit, server over TLS, end-to-end processes).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## The two-staff scenario on loopback with a fresh CA.
demo: build
	./scripts/demo.sh .build/debug

## Speed figures as a table of medians (release build).
bench: deps
	$(SWIFT) build $(RELEASE) --product workplan
	$(SWIFT) build $(RELEASE) --product workplan-server
	$(SWIFT) build $(RELEASE) --product workplan-bench
	.build/release/workplan-bench $(BENCH_ARGS)

clean:
	rm -rf .build demo-out

.PHONY: brief-screenshot
## Renders the demo plan's HTML brief for the 21st conference in headless Chromium
## (Debian's chromium package) and checks the PNG: demo-out/brief-example.{html,png}.
brief-screenshot: build
	./scripts/brief-demo-plan.sh .build/debug demo-out/brief-replica
	.build/debug/workplan brief --conference 21 --format html --output demo-out/brief-example.html --dir demo-out/brief-replica
	BRIEF_HEIGHT=$${BRIEF_HEIGHT:-3800} ./scripts/brief-screenshot.sh demo-out/brief-example.html demo-out/brief-example.png

.PHONY: load
## 32 concurrent officers, 200 edits each, against one server (release build): push/pull
## throughput and p50/p99 latency, then nothing lost or duplicated, convergence, store check.
load: deps
	$(SWIFT) build $(RELEASE) --product workplan-load
	.build/release/workplan-load $(LOAD_ARGS)

.PHONY: fuzz
## Hostile requests through the real HTTPS stack: 100 000 cases (WORKPLAN_FUZZ_CASES, WORKPLAN_FUZZ_SEED).
fuzz: deps
	$(SWIFT) build --build-tests
	WORKPLAN_FUZZ_CASES=$${WORKPLAN_FUZZ_CASES:-100000} $(SWIFT) test --skip-build --filter HostileInputTests

.PHONY: faults
## Fault tests with their heavy settings: a first push of 50 000 tasks, kills, hang-ups, silent connections.
faults: deps
	$(SWIFT) build --build-tests
	WORKPLAN_HEAVY_FAULTS=1 WORKPLAN_IMPORT_TASKS=$${WORKPLAN_IMPORT_TASKS:-50000} $(SWIFT) test --skip-build --filter 'ServerFaultTests|ConnectionFaultTests|CrashSafetyTests'
