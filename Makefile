# raftvec — build, run, test.
# `make run` and `make test` do all set-up on a fresh machine (Go is the only
# prerequisite; Go modules come from the module proxy).

GO        ?= go
BIN       := bin/raftvec
DATA_DIR  ?= ./data
HTTP_ADDR ?= 127.0.0.1:19530
RAFT_ADDR ?= 127.0.0.1:19531
# Packages with concurrency run under the race detector.
RACE_PKGS := ./raft/... ./rpc/... ./fsm/... ./segment/... ./internal/... ./shards/... ./proxy/... ./coordinator/... ./api/... ./grpcapi/... ./server/... ./index/... ./storage/... ./telemetry/... ./builder/...
GOFILES    = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')

.PHONY: build run test test-unit test-race test-e2e bench lint fuzz clean

build:
	@mkdir -p bin
	$(GO) build -o $(BIN) ./cmd/raftvec

run: build
	./$(BIN) standalone --data-dir $(DATA_DIR) --http-addr $(HTTP_ADDR) --raft-addr $(RAFT_ADDR)

# The whole suite: vet, unit tests, race detector on concurrent packages, a
# short fuzz pass of the parsers and of whole HTTP request bodies against a
# real standalone node, and end-to-end tests of the real binary.
test: build lint test-unit test-race fuzz-short test-e2e test-minio jepsen-quick

lint-vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $(GOFILES))" || (echo "gofmt needed on:"; gofmt -l $(GOFILES); exit 1)

test-unit:
	$(GO) test -count=1 ./...

test-race:
	$(GO) test -race -count=1 $(RACE_PKGS)

test-e2e: build
	RAFTVEC_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -tags e2e ./e2e/...
	cd e2e/gosdk && RAFTVEC_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 ./...

# Execution counts (about 5-10 s each here), not durations: with a duration,
# go1.26's fuzz coordinator can report a bare "context deadline exceeded" at
# the deadline under CPU load (golang/go#75804, fixed in Go 1.27); a count has
# no deadline to race.
fuzz-short:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=100000x ./expr/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeCommand$$' -fuzztime=150000x ./fsm/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeSegment$$' -fuzztime=40000x ./segment/
	$(GO) test -run='^$$' -fuzz='^FuzzChunkVectorsInPlace$$' -fuzztime=20000x ./segment/
	$(GO) test -run='^$$' -fuzz='^FuzzIndexFiles$$' -fuzztime=20000x ./index/
	$(GO) test -run='^$$' -fuzz='^FuzzHTTPBodies$$' -fuzztime=300x ./server/
	$(GO) test -run='^$$' -fuzz='^FuzzWriteFastMatchesSlow$$' -fuzztime=100000x ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzParseFloat$$' -fuzztime=100000x ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzVectorsFastMatchesSlow$$' -fuzztime=50000x ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzBodyDatabase$$' -fuzztime=50000x ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzBodyName$$' -fuzztime=50000x ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeRequests$$' -fuzztime=20000x ./grpcapi/
	$(GO) test -run='^$$' -fuzz='^FuzzAnalyzer$$' -fuzztime=50000x ./text/

# Longer fuzzing for developers.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=2m ./expr/
	$(GO) test -run='^$$' -fuzz='^FuzzCompile$$' -fuzztime=2m ./expr/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeCommand$$' -fuzztime=2m ./fsm/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeSegment$$' -fuzztime=2m ./segment/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeBatch$$' -fuzztime=2m ./segment/
	$(GO) test -run='^$$' -fuzz='^FuzzChunkVectorsInPlace$$' -fuzztime=2m ./segment/
	$(GO) test -run='^$$' -fuzz='^FuzzHTTPBodies$$' -fuzztime=2m ./server/
	$(GO) test -run='^$$' -fuzz='^FuzzWriteFastMatchesSlow$$' -fuzztime=2m ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzParseFloat$$' -fuzztime=2m ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzVectorsFastMatchesSlow$$' -fuzztime=2m ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzBodyDatabase$$' -fuzztime=2m ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzBodyName$$' -fuzztime=2m ./api/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeRequests$$' -fuzztime=2m ./grpcapi/
	$(GO) test -run='^$$' -fuzz='^FuzzAnalyzer$$' -fuzztime=2m ./text/
	$(GO) test -run='^$$' -fuzz='^FuzzWordNetLine$$' -fuzztime=2m ./dataset/

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./index/ ./fsm/

# Static checks: vet, gofmt, staticcheck (installed into .cache on first use).
lint: lint-vet
	@GOBIN=$(CURDIR)/.cache/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	./.cache/bin/staticcheck ./...

clean:
	rm -rf bin .cache

# A local 3-node cluster on loopback with the real architecture: a MinIO
# (installed by scripts/minio.sh on first use, as `make test-minio` does) on
# 127.0.0.1:$(CLUSTER_MINIO_PORT) as the nodes' shared object storage, HTTP on
# 19530/19540/19550, Raft on 19531/19541/19551, data, logs and MinIO's
# objects under ./cluster-data (scripts/cluster.sh). Its nodes run with
# --admin-api, so /v1/cluster/nodes/add and /remove work without --auth.
# `make cluster-stop` stops the nodes, waiting until each has exited (after
# 60 s it kills the ones left, and says so), then MinIO; data is kept
# (`make cluster-clean` removes it).
# QUERY_NODES=2 adds that many query-only nodes (node-4 on 19560, node-5 on
# 19570, ...; README "Node roles"); CLUSTER_ARGS is passed to every node.
CLUSTER_DIR ?= ./cluster-data
CLUSTER_MINIO_PORT ?= 19510
QUERY_NODES ?= 0
CLUSTER_ARGS ?=
CLUSTER_ENV = BIN=./$(BIN) CLUSTER_DIR=$(CLUSTER_DIR) QUERY_NODES=$(QUERY_NODES) CLUSTER_ARGS="$(CLUSTER_ARGS)" MINIO_PORT=$(CLUSTER_MINIO_PORT)

.PHONY: cluster cluster-stop cluster-clean
cluster: build
	@$(CLUSTER_ENV) bash scripts/cluster.sh start

cluster-stop:
	@$(CLUSTER_ENV) bash scripts/cluster.sh stop

cluster-clean: cluster-stop
	rm -rf $(CLUSTER_DIR)

# ---------------------------------------------------------------------------
# storage: tests against a real MinIO (storage/minio, build tag `minio`).
# Installs MinIO into .cache/bin on first use (a few minutes), starts it on a
# temporary directory and a free loopback port, runs the storage conformance
# tests (race detector on), the server's MinIO tests (lifecycle against
# real MinIO, MinIO killed during flushing) and the binary's (a backup
# restored by another node on the bucket), and stops MinIO whatever the
# outcome. Last, the web console in headless Chromium (scripts/chromium.sh
# installs Debian's package) against a 3-node cluster on that MinIO;
# screenshots under test-output/console/. Part of `make test`.
.PHONY: test-minio
test-minio: build
	@bash scripts/minio.sh install
	@set -e; \
	dir=$$(mktemp -d "$${TMPDIR:-/tmp}/raftvec-minio.XXXXXX"); \
	trap 'bash $(CURDIR)/scripts/minio.sh stop "$$dir"; rm -rf "$$dir"' EXIT; \
	trap 'exit 130' INT TERM; \
	port=$$(bash scripts/minio.sh free-port); \
	bash scripts/minio.sh start "$$dir" "$$port"; \
	eval "$$(bash scripts/minio.sh env "$$port")"; \
	export RAFTVEC_TEST_MINIO_DIR="$$dir" RAFTVEC_TEST_MINIO_PORT="$$port" RAFTVEC_TEST_MINIO_SCRIPT="$(CURDIR)/scripts/minio.sh"; \
	$(GO) test -race -count=1 -tags minio ./storage/...; \
	$(GO) test -count=1 -tags minio -run MinIO ./server/; \
	RAFTVEC_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -tags e2e -run MinIO ./e2e/; \
	bash scripts/chromium.sh install; \
	(cd e2e/browser && RAFTVEC_BIN=$(CURDIR)/$(BIN) RAFTVEC_SCREENSHOTS=$(CURDIR)/test-output/console $(GO) test -count=1 ./...)

# ---------------------------------------------------------------------------
# Jepsen-style consistency tests (jepsen/, cmd/raftvec-jepsen; JEPSEN.md).
# Real raftvec processes and MinIO on loopback; results under
# jepsen-results/ (history.jsonl, report.txt; failing runs keep data dirs,
# node logs and timeline.html, and print the command that replays the seed).
#
#   make jepsen-quick   every fault family once (~60 s each), set+import+ttl,
#                       the pinned regression scenarios (jepsen/scenarios.go) + the broken
#                       server, which must FAIL; part of `make test`
#   make jepsen         long runs: 5 nodes, mixed faults (11 min: faults stop
#                       10 s before the end), JEPSEN_DURATION
#                       each, JEPSEN_REPEAT times
JEPSEN_BIN        := bin/raftvec-jepsen
JEPSEN_QUICK_TIME ?= 60s
JEPSEN_DURATION   ?= 11m
JEPSEN_REPEAT     ?= 1
JEPSEN_NODES      ?= 5
JEPSEN_SEED       ?= 0

.PHONY: jepsen-build jepsen-quick jepsen
jepsen-build: build
	$(GO) build -o $(JEPSEN_BIN) ./cmd/raftvec-jepsen
	@bash scripts/minio.sh install

jepsen-quick: jepsen-build
	./$(JEPSEN_BIN) quick --duration $(JEPSEN_QUICK_TIME) --seed $(JEPSEN_SEED)

jepsen: jepsen-build
	./$(JEPSEN_BIN) run --nodes $(JEPSEN_NODES) --fault mixed --duration $(JEPSEN_DURATION) \
		--repeat $(JEPSEN_REPEAT) --seed $(JEPSEN_SEED)
