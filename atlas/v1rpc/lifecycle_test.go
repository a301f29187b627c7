package v1rpc_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// inventoryOf fetches the whole inventory the way a v1 peer does.
func inventoryOf(t *testing.T, e *env) []byte {
	t.Helper()
	got := e.call(t, "get_zonefile_inventory", xmlrpc.Int(0), xmlrpc.Int(524288))
	inv, err := base64.StdEncoding.DecodeString(got["inv"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func putOK(t *testing.T, e *env, datas ...[]byte) {
	t.Helper()
	var vs []xmlrpc.Value
	for _, d := range datas {
		vs = append(vs, b64(d))
	}
	got := e.call(t, "put_zonefiles", xmlrpc.Array(vs...))
	for _, s := range got["saved"].([]any) {
		if s != 1.0 {
			t.Fatalf("put_zonefiles %v", got)
		}
	}
}

// TestRollbackTruncatesServedInventory: after a reorg the served inventory
// and zonefile_count shrink to the chain's, the zonefiles themselves stay
// retrievable, and a new branch re-announcing a held zonefile shows it
// present at once.
func TestRollbackTruncatesServedInventory(t *testing.T) {
	e := newEnv(t, nil)
	zf := e.f.Zonefiles
	putOK(t, e, zf[0].Data, zf[6].Data, e.real.Data)

	if err := e.f.M.Rollback(uint64(e.b2)); err != nil {
		t.Fatal(err)
	}
	res, err := e.core.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 5 {
		t.Errorf("rollback removed %d slots, want 5 (blocks b3, b4)", res.Removed)
	}
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"inventory is the chain's", func(t *testing.T) {
			if got, want := inventoryOf(t, e), e.wantInventory(t); !bytes.Equal(got, want) {
				t.Errorf("inventory %x, want %x", got, want)
			}
		}},
		{"zonefile_count follows", func(t *testing.T) {
			if got := e.call(t, "getinfo")["zonefile_count"]; got != float64(e.f.Chain.Slots()+1) {
				t.Errorf("zonefile_count %v, chain has %d slots", got, e.f.Chain.Slots())
			}
		}},
		{"rolled-back blocks have no rows", func(t *testing.T) {
			got := e.call(t, "get_zonefiles_by_block", xmlrpc.Int(e.b3), xmlrpc.Int(e.b4+10), xmlrpc.Int(0), xmlrpc.Int(100))
			if rows := got["zonefile_info"].([]any); len(rows) != 0 {
				t.Errorf("%d rows above the rollback", len(rows))
			}
		}},
		{"stored zonefiles survive", func(t *testing.T) {
			got := e.call(t, "get_zonefiles", strs(zf[6].Hash.String(), e.real.Hash.String()))
			if n := len(got["zonefiles"].(map[string]any)); n != 2 {
				t.Errorf("%d of 2 zonefiles served after their slots were rolled back", n)
			}
		}},
		{"now unannounced: refused", func(t *testing.T) {
			if got := e.call(t, "put_zonefiles", xmlrpc.Array(b64(zf[5].Data))); !sameJSON(t, got["saved"], []int{0}) {
				t.Errorf("put of a rolled-back hash: %v", got)
			}
		}},
		{"new branch re-announces a held zonefile", func(t *testing.T) {
			e.f.ApplyUpdates(t, zf[8].Hash, e.real.Hash)
			if _, err := e.core.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got, want := inventoryOf(t, e), e.wantInventory(t); !bytes.Equal(got, want) {
				t.Errorf("inventory %x, want %x", got, want)
			}
			if p, _ := e.core.Present(e.real.Hash); !p {
				t.Error("held zonefile announced again is not present")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.check)
	}
}

// TestReopenServesSameInventory restarts the node on the same store.
func TestReopenServesSameInventory(t *testing.T) {
	e := newEnv(t, nil)
	putOK(t, e, e.f.Zonefiles[1].Data, e.f.Zonefiles[4].Data)
	before := inventoryOf(t, e)
	e.close(t)
	e.open(t, nil)
	if got := inventoryOf(t, e); !bytes.Equal(got, before) {
		t.Errorf("inventory %x after restart, %x before", got, before)
	}
	got := e.call(t, "get_zonefiles", strs(e.f.Zonefiles[1].Hash.String()))
	if got["zonefiles"].(map[string]any)[e.f.Zonefiles[1].Hash.String()] != base64.StdEncoding.EncodeToString(e.f.Zonefiles[1].Data) {
		t.Errorf("zonefile not served after restart: %v", got)
	}
}

// TestCorruptZonefileNotServed edits a stored value below the store while
// the node is down: after restart it is not served, not advertised, counted
// as corruption, and accepted again from a peer.
func TestCorruptZonefileNotServed(t *testing.T) {
	e := newEnv(t, nil)
	putOK(t, e, e.real.Data, e.f.Zonefiles[3].Data)
	e.close(t)
	db, err := pebble.Open(e.dir, &pebble.Options{FormatMajorVersion: pebble.FormatVirtualSSTables, Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	// The tampered export's edited text under the true hash: a copy that
	// no longer verifies ('z' + hash is zonestore's documented key).
	if err := db.Set(append([]byte{'z'}, e.real.Hash[:]...), e.edited, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e.open(t, nil)

	got := e.call(t, "get_zonefiles", strs(e.real.Hash.String(), e.f.Zonefiles[3].Hash.String()))
	files := got["zonefiles"].(map[string]any)
	if _, served := files[e.real.Hash.String()]; served || len(files) != 1 {
		t.Errorf("served %v", files)
	}
	if e.store.Corruptions() == 0 {
		t.Error("corruption not counted")
	}
	if got, want := inventoryOf(t, e), e.wantInventory(t); !bytes.Equal(got, want) {
		t.Errorf("inventory %x, want %x (corrupt copy advertised?)", got, want)
	}
	if p, _ := e.core.Present(e.real.Hash); p {
		t.Error("corrupt zonefile advertised as present")
	}
	putOK(t, e, e.real.Data)
	if p, _ := e.core.Present(e.real.Hash); !p {
		t.Error("repaired zonefile not present")
	}
}

// TestStaleNode: two hours without a sync and every reply says so.
func TestStaleNode(t *testing.T) {
	var now time.Time
	e := newEnv(t, func(c *v1rpc.Config) { c.Now = func() time.Time { return now } })
	now = e.core.LastSync().Add(v1rpc.StaleAfter - time.Second)
	if got := e.call(t, "ping"); got["status"] != "alive" {
		t.Fatalf("fresh node: %v", got)
	}
	now = e.core.LastSync().Add(v1rpc.StaleAfter + time.Second)
	tests := []struct {
		method string
		params []xmlrpc.Value
		check  func(map[string]any) bool
	}{
		{"ping", nil, func(r map[string]any) bool { return r["status"] == "stale" }},
		{"getinfo", nil, func(r map[string]any) bool {
			return r["stale"] == true && r["warning"] == "Daemon is behind the chain tip.  Do not rely on it for fresh information."
		}},
		{"get_consensus_at", []xmlrpc.Value{xmlrpc.Int(300)}, func(r map[string]any) bool {
			w, _ := r["warning"].(string)
			return r["stale"] == true && r["status"] == true && len(w) > len("Daemon has not reindexed since ")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			if got := e.call(t, tc.method, tc.params...); !tc.check(got) {
				t.Errorf("reply %v", got)
			}
		})
	}
}

// TestOverloaded: with MaxInFlight requests being served, the next request
// gets v1's canned "overloaded" reply.
func TestOverloaded(t *testing.T) {
	e := newEnv(t, func(c *v1rpc.Config) { c.MaxInFlight = 1 })
	e.peers.block = make(chan struct{})
	done := make(chan map[string]any)
	go func() {
		c, _ := xmlrpc.NewClient(e.url, xmlrpc.ClientConfig{})
		v, err := c.Call(context.Background(), "get_atlas_peers")
		if err != nil {
			t.Error(err)
			done <- nil
			return
		}
		s, _ := v.AsString()
		done <- map[string]any{"raw": s}
	}()
	// Wait until the slow call is inside the server.
	deadline := time.Now().Add(10 * time.Second)
	for e.srv.Stats().GetAtlasPeers.Requests.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	got := e.call(t, "ping")
	want := map[string]any{"status": false, "indexing": false, "lastblock": -1, "error": "overloaded", "http_status": 429}
	if !sameJSON(t, got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	close(e.peers.block)
	if r := <-done; r == nil {
		t.Fatal("slow call failed")
	}
	if e.srv.Stats().Overloaded.Load() != 1 {
		t.Errorf("overloaded count %d", e.srv.Stats().Overloaded.Load())
	}
	if got := e.call(t, "ping"); got["status"] != "alive" {
		t.Errorf("after the slow call: %v", got)
	}
}

// quiet discards Pebble's log lines in tests.
type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Fatalf(string, ...any) {}
