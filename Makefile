# DDA — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift

.PHONY: run test build release deps unit integration contract clean help

help:
	@echo "make run    install what is missing, build, start nginx + dda-server + $${DDA_RUNNERS:-1} runner(s) on http://127.0.0.1:$${DDA_HTTP_PORT:-8080}"
	@echo "make test   everything CI runs: unit, in-process handler and integration tests, the OpenAPI contract check"

deps:
	@scripts/install-deps.sh server

release: deps
	$(SWIFT) build -c release

build: deps
	$(SWIFT) build --build-tests

run: release
	@scripts/stack.sh

# Unit + handler + integration tests (Swift Testing). The integration suite starts the
# built dda-server behind a private nginx on loopback.
unit: build
	$(SWIFT) test --skip-build --parallel --num-workers 2

contract: build
	@scripts/contract-test.sh

test: build
	$(SWIFT) test --skip-build
	@scripts/contract-test.sh

clean:
	rm -rf .build .run
