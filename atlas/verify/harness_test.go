package verify_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/zonestore"
	"github.com/atlasd/atlasd/internal/shareddata"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/replay"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// scenario is the longest reference history: blocks 256–286.
const scenario = "namespace_preorder_reveal_ready_wait"

// recorded is a chain that only knows consensus hashes: the reference
// implementation's own, as its logs recorded them (expected.jsonl). Served
// by a v1rpc server, it is a peer running the original code.
type recorded struct {
	mu     sync.RWMutex
	first  int64
	hashes []string
}

var _ node.Chain = (*recorded)(nil)

// loadRecorded reads the scenario's expected hashes.
func loadRecorded(t testing.TB) *recorded {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, "data", "consensus", "scenarios", scenario+".expected.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := &recorded{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Height int64  `json:"height"`
			Hash   string `json:"consensus_hash"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if len(r.hashes) == 0 {
			r.first = line.Height
		} else if line.Height != r.first+int64(len(r.hashes)) {
			t.Fatalf("expected.jsonl skips to %d", line.Height)
		}
		r.hashes = append(r.hashes, line.Hash)
	}
	if err := sc.Err(); err != nil || len(r.hashes) < 20 {
		t.Fatalf("expected.jsonl: %d hashes, %v", len(r.hashes), err)
	}
	return r
}

// edit applies f to a copy of the hashes.
func (r *recorded) edit(f func(first int64, hs []string) []string) *recorded {
	hs := append([]string(nil), r.hashes...)
	return &recorded{first: r.first, hashes: f(r.first, hs)}
}

func (r *recorded) LastBlock() int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.first + int64(len(r.hashes)) - 1
}

func (r *recorded) ConsensusHash(h int64) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if h < r.first || h > r.first+int64(len(r.hashes))-1 {
		return "", false
	}
	return r.hashes[h-r.first], true
}

func (r *recorded) BlockOfConsensus(ch string) (int64, bool, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for i, h := range r.hashes {
		if h == ch {
			return r.first + int64(i), true, nil
		}
	}
	return 0, false, nil
}

func (r *recorded) Slots() int { return 0 }

func (r *recorded) Announcements(int, int) ([]inventory.Announcement, error) { return nil, nil }

// machine replays the scenario into a state.Machine and applies extra
// empty blocks: this implementation's chain.
func machine(t testing.TB, extra int) *state.Machine {
	t.Helper()
	dir := shareddata.Path(t, "data", "consensus", "scenarios")
	p, err := params.Load(filepath.Join(dir, scenario+".params.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, scenario+".blocks.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	if err := replay.Run(m, f, func(*state.Result) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for range extra {
		tip, _ := m.Tip()
		if _, err := m.ApplyBlock(uint64(tip+1), "", nil); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// ours adapts a machine to Compare's local side.
func ours(m *state.Machine) func(int64) (string, bool) {
	return func(h int64) (string, bool) {
		if h < 0 {
			return "", false
		}
		return m.ConsensusHash(uint64(h))
	}
}

// hashesOf is the node.Chain of a machine, for serving it; zonefile
// announcements do not matter to the consensus methods.
type hashesOf struct{ m *state.Machine }

func (c hashesOf) LastBlock() int64 { h, _ := c.m.Tip(); return h }
func (c hashesOf) ConsensusHash(h int64) (string, bool) {
	return ours(c.m)(h)
}
func (c hashesOf) BlockOfConsensus(ch string) (int64, bool, error) {
	h, ok, err := c.m.BlockOfConsensus(ch)
	return int64(h), ok, err
}
func (c hashesOf) Slots() int                                               { return 0 }
func (c hashesOf) Announcements(int, int) ([]inventory.Announcement, error) { return nil, nil }

// serve runs the v1 server over chain on 127.0.0.1 until the test ends
// and returns a client for it.
func serve(t testing.TB, chain node.Chain, firstBlock int64) *peers.Client {
	t.Helper()
	store, err := zonestore.Open(filepath.Join(t.TempDir(), "z"), zonestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	core, err := node.Open(context.Background(), chain, store, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := v1rpc.New(v1rpc.Config{Core: core, FirstBlock: firstBlock})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return client(t, ln.Addr().String())
}

func client(t testing.TB, hostport string) *peers.Client {
	t.Helper()
	c, err := peers.NewClient(hostport, peers.ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// upper returns the hashes in upper case, as a peer may legally send them.
func upper(_ int64, hs []string) []string {
	for i := range hs {
		hs[i] = strings.ToUpper(hs[i])
	}
	return hs
}
