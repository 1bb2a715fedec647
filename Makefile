# raftvec — build, run, test.
# `make run` and `make test` do all set-up on a fresh machine (Go is the only
# prerequisite; Go modules come from the module proxy).

GO        ?= go
BIN       := bin/raftvec
DATA_DIR  ?= ./data
HTTP_ADDR ?= 127.0.0.1:19530
RAFT_ADDR ?= 127.0.0.1:19531
# Packages with concurrency run under the race detector.
RACE_PKGS := ./raft/... ./fsm/... ./shards/... ./proxy/... ./coordinator/... ./api/... ./server/... ./index/...
GOFILES    = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')

.PHONY: build run test test-unit test-race test-e2e bench lint fuzz clean

build:
	@mkdir -p bin
	$(GO) build -o $(BIN) ./cmd/raftvec

run: build
	./$(BIN) standalone --data-dir $(DATA_DIR) --http-addr $(HTTP_ADDR) --raft-addr $(RAFT_ADDR)

# The whole suite: vet, unit tests, race detector on concurrent packages, a
# short fuzz pass of the parsers, and end-to-end tests of the real binary.
test: build lint test-unit test-race fuzz-short test-e2e

lint-vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $(GOFILES))" || (echo "gofmt needed on:"; gofmt -l $(GOFILES); exit 1)

test-unit:
	$(GO) test -count=1 ./...

test-race:
	$(GO) test -race -count=1 $(RACE_PKGS)

test-e2e: build
	RAFTVEC_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -tags e2e ./e2e/...

fuzz-short:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=10s ./expr/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeCommand$$' -fuzztime=10s ./fsm/

# Longer fuzzing for developers.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=2m ./expr/
	$(GO) test -run='^$$' -fuzz='^FuzzCompile$$' -fuzztime=2m ./expr/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeCommand$$' -fuzztime=2m ./fsm/

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./index/ ./fsm/

# Static checks: vet, gofmt, staticcheck (installed into .cache on first use).
lint: lint-vet
	@GOBIN=$(CURDIR)/.cache/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	./.cache/bin/staticcheck ./...

clean:
	rm -rf bin .cache
