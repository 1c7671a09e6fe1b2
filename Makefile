# OpsLake: build, demo, tests and benchmarks. See scripts/ for the details.
SHELL := /bin/bash

# Swift lives in /opt/swift on the build machines; use it when not on PATH.
ifeq ($(shell command -v swift 2>/dev/null),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif

OPSLAKE := ./.build/release/opslake

.PHONY: all deps build demo test bench man clean distclean

all: build

deps:
	scripts/install-deps.sh

build: deps
	swift build -c release

# The main job: a lake with the shop's last 90 days (init fixes the seed and the
# opening date, run generates every day up to yesterday in Asia/Taipei), and the
# billiards venue's last week pulled over HTTP from its simulated API on loopback.
demo: build
	$(OPSLAKE) init --lake lake
	$(OPSLAKE) run --lake lake
	scripts/demo-billiards.sh $(OPSLAKE) lake
	$(OPSLAKE) catalog --lake lake

test:
	scripts/test.sh

# The man page, from the command tree (swift-argument-parser's generate-manual plugin):
# .build/man/opslake.1, which scripts/install-service.sh installs. About 2 minutes the
# first time (the plugin builds its tool and a release opslake).
man: deps
	mkdir -p .build/man
	swift package --allow-writing-to-directory .build/man generate-manual --output-directory .build/man

# Every benchmark, each one's wall time and the total: scripts/bench-all.sh.
bench: build
	bash scripts/bench-all.sh

# Build output and demo data; lake/README.md stays.
clean:
	rm -rf .build .build-tests
	find lake -mindepth 1 -maxdepth 1 -not -name README.md -exec rm -rf {} + 2>/dev/null || true

# Also the Python virtual environments.
distclean: clean
	rm -rf .venv .venv-bench .tools
