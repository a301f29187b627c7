# atlasd build, test and tooling.
#
# Every tool a test needs is installed here, pinned, into ./bin from the Go
# module proxy (or from Debian's packages), so a fresh clone needs nothing but
# Go and make.

SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
export PATH := $(BIN):$(PATH)

# Pinned tool versions.
BTCD_VERSION        ?= v0.24.2
STATICCHECK_VERSION ?= 2025.1.1

# Fuzzing time per target for `make fuzz`.
FUZZTIME ?= 10m

GOTESTFLAGS ?= -count=1 -timeout 20m

.PHONY: all build test run bench fuzz lint tools btcd clean

all: build

build:
	$(GO) build -o $(BIN)/atlasd ./sidecar/cmd/atlasd

# btcd is the regtest node the integration tests drive (bitcoind is not
# installable here and btcd speaks the same JSON-RPC).
btcd: $(BIN)/btcd
$(BIN)/btcd:
	GOBIN=$(BIN) $(GO) install github.com/btcsuite/btcd@$(BTCD_VERSION)
	GOBIN=$(BIN) $(GO) install github.com/btcsuite/btcd/cmd/btcctl@$(BTCD_VERSION)

tools: btcd

test: tools build
	$(GO) vet ./...
	$(GO) test $(GOTESTFLAGS) ./...

run: build
	./scripts/run.sh

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

# Runs every fuzz target for FUZZTIME each. Seed corpora already run in `make test`.
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(BIN)/staticcheck ./...

clean:
	rm -rf $(BIN)
