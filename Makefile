# WorkPlan: the two set-up commands are `make demo` and `make test`.
SWIFT ?= swift
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
	$(SWIFT) build -c release --product workplan
	$(SWIFT) build -c release --product workplan-server
	$(SWIFT) build -c release --product workplan-bench
	.build/release/workplan-bench $(BENCH_ARGS)

clean:
	rm -rf .build demo-out
