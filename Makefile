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
STATICCHECK_VERSION ?= v0.6.1

# Fuzzing time per target for `make fuzz`.
FUZZTIME ?= 10m

GOTESTFLAGS ?= -count=1 -timeout 20m

.PHONY: all build test run scenarios bench fuzz soak lint tools btcd clean

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

# The embedded default: btcd in regtest, a scripted BNS history, atlasd
# following it; Ctrl-C stops everything.
run: build btcd
	$(BIN)/atlasd devnet

# Replays the 34 reference scenarios and diffs every consensus hash.
scenarios: build
	./scripts/run.sh

bench: build
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

# Runs every fuzz target for FUZZTIME each. Seed corpora already run in `make test`.
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# Crash, reorg, outage and plugin-fault scenarios (tests tagged "soak"),
# then a summary table. Hours, not minutes; never part of `make test`.
soak: tools build
	./scripts/soak.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(BIN)/staticcheck ./...

clean:
	rm -rf $(BIN)

# --- Backup-driver plugins (plugin/, contrib/) -------------------------------

# The generated code must not be newer than the runtime libraries in go.mod:
# protoc-gen-go tracks google.golang.org/protobuf, and protoc-gen-go-grpc
# v1.3.0 is the newest whose output still builds against grpc v1.61 (the
# version go-plugin v1.7.0 pulls in). protoc is Debian bookworm's.
PROTOC_VERSION             ?= 3.21.12
PROTOC_GEN_GO_VERSION      ?= v1.36.6
PROTOC_GEN_GO_GRPC_VERSION ?= v1.3.0
VERSITYGW_VERSION          ?= v1.8.0
DRIVER_PROTO_DIR := plugin/driver/proto

.PHONY: proto protoc protoc-gen-go protoc-gen-go-grpc versitygw

tools: versitygw protoc-gen-go protoc-gen-go-grpc

# versitygw is the S3 server the contrib/s3 tests run against.
versitygw: $(BIN)/versitygw
$(BIN)/versitygw:
	GOBIN=$(BIN) $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

protoc-gen-go: $(BIN)/protoc-gen-go
$(BIN)/protoc-gen-go:
	GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

protoc-gen-go-grpc: $(BIN)/protoc-gen-go-grpc
$(BIN)/protoc-gen-go-grpc:
	GOBIN=$(BIN) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

# protoc comes from Debian so that everyone generates byte-identical files;
# a different version is refused rather than silently used.
protoc:
	@command -v protoc >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y protobuf-compiler; }
	@protoc --version | grep -qx 'libprotoc $(PROTOC_VERSION)' || { echo "need protoc $(PROTOC_VERSION), have: $$(protoc --version)"; exit 1; }

proto: protoc protoc-gen-go protoc-gen-go-grpc
	protoc --proto_path=$(DRIVER_PROTO_DIR) \
		--plugin=protoc-gen-go=$(BIN)/protoc-gen-go \
		--plugin=protoc-gen-go-grpc=$(BIN)/protoc-gen-go-grpc \
		--go_out=$(DRIVER_PROTO_DIR) --go_opt=paths=source_relative \
		--go-grpc_out=$(DRIVER_PROTO_DIR) --go-grpc_opt=paths=source_relative \
		$(DRIVER_PROTO_DIR)/driver.proto
