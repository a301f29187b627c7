package v1rpc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// testPeers is a peer table reduced to what the exchange needs: a fixed
// neighbour list and a record of who was queued.
type testPeers struct {
	mu        sync.Mutex
	neighbors []string
	queued    []string
	block     chan struct{} // if set, LiveNeighbors waits on it
	fail      bool          // if set, LiveNeighbors panics
}

func (p *testPeers) LiveNeighbors(requester string) []string {
	if p.block != nil {
		<-p.block
	}
	if p.fail {
		panic("peer table unavailable")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, n := range p.neighbors {
		if n != requester {
			out = append(out, n)
		}
	}
	return out
}

func (p *testPeers) Enqueue(hostport string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queued = append(p.queued, hostport)
}

func (p *testPeers) takeQueued() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.queued
	p.queued = nil
	return q
}

// env is a node serving the v1 protocol on 127.0.0.1 over a fixture chain
// extended by four blocks:
//
//	b1: zonefiles 0 1 2 3 4   b2: (none)   b3: 5 1 6   b4: real 7
//
// where "real" is the true zonefile behind the tampered export's edited
// entry, and zonefile 9 is never announced.
type env struct {
	f              *fixture
	dir            string
	store          *zonestore.DB
	core           *node.Core
	srv            *v1rpc.Server
	url            string
	peers          *testPeers
	b1, b2, b3, b4 int64
	real           zonefile
	edited         []byte
}

func newEnv(t testing.TB, tune func(*v1rpc.Config)) *env {
	t.Helper()
	e := &env{f: newFixture(t), peers: &testPeers{}}
	e.edited, e.real = tamperedPair(t)
	e.f.ApplyUpdates(t, e.f.Hashes(0, 1, 2, 3, 4)...)
	e.b1 = e.f.Tip()
	e.f.ApplyUpdates(t)
	e.b2 = e.f.Tip()
	e.f.ApplyUpdates(t, e.f.Hashes(5, 1, 6)...)
	e.b3 = e.f.Tip()
	e.f.ApplyUpdates(t, e.real.Hash, e.f.Zonefiles[7].Hash)
	e.b4 = e.f.Tip()
	for i := range 100 {
		e.peers.neighbors = append(e.peers.neighbors, fmt.Sprintf("198.51.100.%d:6264", i))
	}
	e.dir = filepath.Join(t.TempDir(), "zonefiles")
	e.open(t, tune)
	return e
}

// open (re)opens the store, the node and the server.
func (e *env) open(t testing.TB, tune func(*v1rpc.Config)) {
	t.Helper()
	var err error
	if e.store, err = zonestore.Open(e.dir, zonestore.Options{Logger: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	store := e.store
	t.Cleanup(func() { _ = store.Close() })
	if e.core, err = node.Open(context.Background(), e.f.Chain, e.store, node.Options{Logger: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	cfg := v1rpc.Config{
		Core:       e.core,
		Peers:      e.peers,
		FirstBlock: int64(e.f.M.Params().FirstBlock),
		Testnet:    "true",
		BlockCount: func(context.Context) (int64, error) { return e.f.Tip() + 3, nil },
		Logger:     zerolog.Nop(),
	}
	if tune != nil {
		tune(&cfg)
	}
	if e.srv, err = v1rpc.New(cfg); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: e.srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(e.srv.Listener(ln)) }()
	t.Cleanup(func() { _ = hs.Close() })
	e.url = "http://" + ln.Addr().String()
}

// close shuts the store so that it can be reopened or edited.
func (e *env) close(t testing.TB) {
	t.Helper()
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
}

// call calls method with our xmlrpc client and decodes the JSON reply.
func (e *env) call(t testing.TB, method string, params ...xmlrpc.Value) map[string]any {
	t.Helper()
	c, err := xmlrpc.NewClient(e.url, xmlrpc.ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Call(context.Background(), method, params...)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return decodeReply(t, method, v)
}

func decodeReply(t testing.TB, method string, v xmlrpc.Value) map[string]any {
	t.Helper()
	s, ok := v.AsString()
	if !ok {
		t.Fatalf("%s returned a %s, want a JSON string", method, v.Kind())
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("%s: %v in %q", method, err, s)
	}
	return out
}

// heldSet returns which of the chain's announced hashes the store holds,
// asking the store, not the node.
func (e *env) held(t testing.TB) map[inventory.Hash]bool {
	t.Helper()
	held := map[inventory.Hash]bool{}
	if err := e.store.Scan(func(h inventory.Hash) error { held[h] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	return held
}

// wantInventory is the inventory vector computed from first principles: one
// MSB-first bit per announcement of the chain, set where the store holds
// the zonefile.
func (e *env) wantInventory(t testing.TB) []byte {
	t.Helper()
	return e.inventoryFor(t, e.held(t))
}

// inventoryFor is the vector the chain's announcements give when the hashes
// in held are stored.
func (e *env) inventoryFor(t testing.TB, held map[inventory.Hash]bool) []byte {
	t.Helper()
	anns, err := e.f.Chain.Announcements(0, e.f.Chain.Slots())
	if err != nil {
		t.Fatal(err)
	}
	inv := make([]byte, (len(anns)+7)/8)
	for i, a := range anns {
		if held[a.Hash] {
			inv[i/8] |= 0x80 >> (i % 8)
		}
	}
	return inv
}

// success is what a v1 success_response holds besides the method's fields.
func (e *env) success(fields map[string]any) map[string]any {
	out := map[string]any{"status": true, "indexing": false, "lastblock": e.f.Tip()}
	for k, v := range fields {
		out[k] = v
	}
	return out
}

// sameJSON compares two documents after a JSON round trip, so that numbers
// and nested types compare by value.
func sameJSON(t testing.TB, got, want any) bool {
	t.Helper()
	norm := func(v any) any {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return reflect.DeepEqual(norm(got), norm(want))
}

// tamperedPair returns the tampered export's edited entry and the true
// zonefile under its hash, from the final export.
func tamperedPair(t testing.TB) (edited []byte, real zonefile) {
	t.Helper()
	for _, p := range parseExport(t, "name_zonefiles-tampered.txt", false) {
		if inventory.HashOf(p.Data) != p.Hash {
			edited, real.Hash = p.Data, p.Hash
		}
	}
	for _, z := range readZonefiles(t, "name_zonefiles-665750.txt") {
		if z.Hash == real.Hash {
			real = z
		}
	}
	if edited == nil || real.Data == nil {
		t.Fatal("tampered fixture changed")
	}
	return edited, real
}

// rows is what get_zonefiles_by_block must return for slots [from, to) of
// the chain (0-based), computed from the chain's announcements.
func (e *env) rows(t testing.TB, from, to int) []any {
	t.Helper()
	anns, err := e.f.Chain.Announcements(from, to-from)
	if err != nil {
		t.Fatal(err)
	}
	out := []any{}
	for i, a := range anns {
		out = append(out, map[string]any{"name": a.Name, "zonefile_hash": a.Hash.String(),
			"block_height": a.Height, "txid": a.TxID.String(), "inv_index": from + i + 1})
	}
	return out
}

// firstSlotOf returns the 0-based index of the first announcement at or
// above height.
func (e *env) firstSlotOf(t testing.TB, height int64) int {
	t.Helper()
	anns, err := e.f.Chain.Announcements(0, e.f.Chain.Slots())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(anns, func(a inventory.Announcement) bool { return int64(a.Height) >= height })
	if i < 0 {
		return len(anns)
	}
	return i
}
