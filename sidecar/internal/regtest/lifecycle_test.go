package regtest

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// bestChain lists the node's best chain by height.
func bestChain(t *testing.T, n *Node) []chainhash.Hash {
	t.Helper()
	_, height, err := n.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]chainhash.Hash, height+1)
	for h := range out {
		hash, err := n.Client().GetBlockHash(int64(h))
		if err != nil {
			t.Fatal(err)
		}
		out[h] = *hash
	}
	return out
}

func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return true
}

// TestRestart checks an outage keeps the chain, and the mempool only across
// a clean stop, like bitcoind with mempool.dat.
func TestRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		stop     func(*Node) error
		keepPool bool
	}{
		{"stop", (*Node).Stop, true},
		{"kill", (*Node).Kill, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := Start(t)
			if err := n.Mature(); err != nil {
				t.Fatal(err)
			}
			k := n.NewKey()
			if _, err := n.Fund(k, btcutil.SatoshiPerBitcoin); err != nil {
				t.Fatal(err)
			}
			mustGenerate(t, n, 1)
			pending, err := n.NewTx(k).OpReturn([]byte("pending")).Send()
			if err != nil {
				t.Fatal(err)
			}
			before := bestChain(t, n)

			if err := tc.stop(n); err != nil {
				t.Fatal(err)
			}
			if n.Running() || !refused(n.RPCHost()) {
				t.Fatal("RPC port still answers after stopping")
			}
			if err := n.Restart(); err != nil {
				t.Fatal(err)
			}
			if after := bestChain(t, n); !slices.Equal(after, before) {
				t.Fatalf("chain after restart has %d blocks, differs from the %d before", len(after), len(before))
			}
			pool, err := n.Client().GetRawMempool()
			if err != nil {
				t.Fatal(err)
			}
			kept := len(pool) == 1 && *pool[0] == pending
			if kept != tc.keepPool || (!kept && len(pool) != 0) {
				t.Fatalf("mempool after restart %v, want pending tx kept=%v", pool, tc.keepPool)
			}
			// The wallet must agree with the node: without the pending tx
			// the funding output is spendable again.
			bal, err := n.Balance(k)
			if err != nil {
				t.Fatal(err)
			}
			if full := bal == btcutil.SatoshiPerBitcoin; full == tc.keepPool {
				t.Errorf("balance %v after restart (pending kept=%v)", bal, tc.keepPool)
			}
			next := mustGenerate(t, n, 1)
			hdr, err := n.Client().GetBlockHeader(&next[0])
			if err != nil {
				t.Fatal(err)
			}
			if hdr.PrevBlock != before[len(before)-1] {
				t.Errorf("block after restart builds on %s, want %s", hdr.PrevBlock, before[len(before)-1])
			}
		})
	}
}

// TestPause checks a paused node times out instead of refusing, and comes
// back either by Resume or by a Restart, which must not hang on it.
func TestPause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		wake   func(*Node) error
		within time.Duration
	}{
		{"resume", (*Node).Resume, time.Second},
		{"restart", (*Node).Restart, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := Start(t)
			mined := mustGenerate(t, n, 3)
			if err := n.Pause(); err != nil {
				t.Fatal(err)
			}
			client := &http.Client{Timeout: 300 * time.Millisecond}
			resp, err := client.Post("http://"+n.RPCHost(), "application/json",
				strings.NewReader(`{"method":"getblockcount","params":[],"id":1}`))
			var ne net.Error
			if err == nil {
				resp.Body.Close()
				t.Fatal("paused node answered")
			} else if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("paused node: %v, want a timeout", err)
			}
			start := time.Now()
			if err := tc.wake(n); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > tc.within {
				t.Errorf("%s took %v", tc.name, d)
			}
			if tip, _, err := n.BestBlock(); err != nil || tip != mined[2] {
				t.Fatalf("after %s: tip %s, %v; want %s", tc.name, tip, err, mined[2])
			}
		})
	}
}

func TestBtcdPath(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		env     string
		wantErr bool
	}{
		{"module bin", "", false},
		{"missing", filepath.Join(dir, "nope"), true},
		{"directory", dir, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(BtcdEnv, tc.env)
			p, err := BtcdPath()
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "make btcd") {
					t.Fatalf("BtcdPath() = %q, %v; want an error pointing at make btcd", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			root, err := ModuleRoot()
			if err != nil {
				t.Fatal(err)
			}
			if p != filepath.Join(root, "bin", "btcd") {
				t.Errorf("BtcdPath() = %s", p)
			}
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
				t.Errorf("module root %s has no go.mod", root)
			}
		})
	}
}

func TestDeriveKey(t *testing.T) {
	seen := make(map[string]int)
	for i := range 4 {
		k, err := deriveKey(i)
		if err != nil {
			t.Fatal(err)
		}
		again, err := deriveKey(i)
		if err != nil {
			t.Fatal(err)
		}
		if again.String() != k.String() {
			t.Errorf("key %d not deterministic", i)
		}
		if j, dup := seen[k.String()]; dup {
			t.Errorf("keys %d and %d collide", i, j)
		}
		seen[k.String()] = i
		addr, err := btcutil.DecodeAddress(k.String(), &chaincfg.RegressionNetParams)
		if err != nil {
			t.Fatal(err)
		}
		if !addr.IsForNet(&chaincfg.RegressionNetParams) || string(addr.ScriptAddress()) != string(k.Hash160()) {
			t.Errorf("key %d address %s does not round-trip", i, k)
		}
		if got := p2pkh(k.Hash160()); string(got) != string(k.PkScript()) {
			t.Errorf("key %d script %x, want %x", i, k.PkScript(), got)
		}
	}
}
