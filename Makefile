# DDA — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift

.PHONY: run run-cluster test build release deps unit contract deploy-test deb deb-test wordpress wordpress-test bench lint format clean help

help:
	@echo "make run    install what is missing, build, start nginx + dda-server + $${DDA_RUNNERS:-1} runner(s) on http://127.0.0.1:$${DDA_HTTP_PORT:-8080}"
	@echo "make test   everything CI runs: unit, handler and integration tests, the OpenAPI contract check,"
	@echo "            the production nginx/deploy checks and the WordPress plugin in a real WordPress and browser"
	@echo "make run-cluster the same with 2 servers on a private PostgreSQL behind one nginx upstream"
	@echo "make wordpress   a local WordPress with the plugin, connected to a local dda-server and runner"
	@echo "make bench       the benchmark suite (by hand, a few minutes): bench/results.md"
	@echo "make lint        the formatting checks of make test (.swift-format, phpcs.xml.dist); make format fixes the Swift"

deps:
	@scripts/install-deps.sh server

release: deps
	$(SWIFT) build -c release

build: deps
	$(SWIFT) build --build-tests

run: release
	@DDA_STATE_DIR="$${DDA_STATE_DIR-$(CURDIR)/.run/state}" \
		DDA_RUNNER_STATE_DIR="$${DDA_RUNNER_STATE_DIR-$(CURDIR)/.run/runners}" scripts/stack.sh

# Two servers on a private PostgreSQL (kept under .run/pg) behind one nginx upstream.
run-cluster: release
	@DDA_SERVERS=$${DDA_SERVERS:-2} \
		DDA_RUNNER_STATE_DIR="$${DDA_RUNNER_STATE_DIR-$(CURDIR)/.run/runners-cluster}" scripts/stack.sh

# Unit + handler + integration tests (Swift Testing). The integration suite starts the
# built dda-server behind a private nginx on loopback; the queue tests run on the embedded
# store and on PostgreSQL (a private cluster that with-postgres.sh starts and removes).
unit: build
	@scripts/with-postgres.sh $(SWIFT) test --skip-build --parallel --num-workers 2

contract: build
	@scripts/contract-test.sh

# The production nginx site, systemd units, spawn-fcgi and install.sh (installs what it needs).
deploy-test: build
	@DDA_SERVER_BIN=.build/debug/dda-server DDA_RUNNER_BIN=.build/debug/dda-runner scripts/test-deploy.sh

# PHPUnit in a real WordPress and the browser end-to-end test (installs MariaDB, php-fpm,
# WordPress, Chromium when missing).
wordpress-test: build
	@DDA_SERVER_BIN=.build/debug/dda-server DDA_RUNNER_BIN=.build/debug/dda-runner scripts/test-wordpress.sh

# Debian packages dda-server and dda-runner (statically linked Swift runtime) into dist/.
deb:
	@scripts/install-deps.sh server
	@scripts/build-deb.sh

# The packages' checks: build, lintian, install into a throwaway root, upgrade, remove, purge.
deb-test:
	@scripts/test-deb.sh

wordpress: release
	@scripts/wordpress.sh

# The benchmark suite (about 12 minutes): writes bench/results.md. Run by hand, not by CI.
bench: release
	@scripts/install-deps.sh all
	@bench/suite.sh

# Formatting: .swift-format (swift-format ships with the toolchain) and phpcs.xml.dist.
lint:
	@SWIFT=$(SWIFT) scripts/lint.sh

format:
	$(SWIFT) format --in-place --recursive --parallel Sources Tests Package.swift

test: build
	@SWIFT=$(SWIFT) scripts/lint.sh
	@scripts/with-postgres.sh $(SWIFT) test --skip-build
	@scripts/contract-test.sh
	@DDA_SERVER_BIN=.build/debug/dda-server DDA_RUNNER_BIN=.build/debug/dda-runner scripts/test-deploy.sh
	@DDA_SERVER_BIN=.build/debug/dda-server DDA_RUNNER_BIN=.build/debug/dda-runner scripts/test-wordpress.sh
	@scripts/test-deb.sh

clean:
	rm -rf .build .build-deb .run dist
