package v1rpc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// TestGetinfoConfigured covers the getinfo fields that come from Config
// rather than from the chain.
func TestGetinfoConfigured(t *testing.T) {
	tests := []struct {
		name  string
		tune  func(*v1rpc.Config)
		check func(t *testing.T, e *env, got map[string]any)
	}{
		{"mainnet flag", func(c *v1rpc.Config) { c.Testnet = "" }, func(t *testing.T, e *env, got map[string]any) {
			if got["testnet"] != false {
				t.Errorf("testnet %v", got["testnet"])
			}
		}},
		{"hosted testnet", func(c *v1rpc.Config) { c.Testnet = "hosted" }, func(t *testing.T, e *env, got map[string]any) {
			if got["testnet"] != "hosted" {
				t.Errorf("testnet %v", got["testnet"])
			}
		}},
		{"defaults", func(c *v1rpc.Config) { c.FirstBlock, c.Version, c.BlockCount = 0, "", nil }, func(t *testing.T, e *env, got map[string]any) {
			if got["first_block"] != 373601.0 || got["server_version"] != v1rpc.DefaultVersion || got["last_block_seen"] != float64(e.f.Tip()) {
				t.Errorf("reply %v", got)
			}
		}},
		{"indexing", func(c *v1rpc.Config) { c.Indexing = func() bool { return true } }, func(t *testing.T, e *env, got map[string]any) {
			if got["indexing"] != true {
				t.Errorf("indexing %v", got["indexing"])
			}
			if r := e.call(t, "get_consensus_at", xmlrpc.Int(300)); r["indexing"] != true {
				t.Errorf("success reply %v", r)
			}
		}},
		{"bitcoind unreachable", func(c *v1rpc.Config) {
			c.BlockCount = func(context.Context) (int64, error) { return 0, errors.New("connection refused") }
		}, func(t *testing.T, e *env, got map[string]any) {
			if got["error"] != "KeyError: 'blocks'" || got["traceback"] == nil {
				t.Errorf("reply %v", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.tune)
			tc.check(t, e, e.call(t, "getinfo"))
		})
	}
}

// TestStatsEach: Each visits every method once and the counts add up.
func TestStatsEach(t *testing.T) {
	e := newEnv(t, nil)
	e.call(t, "ping")
	e.call(t, "ping")
	e.call(t, "getinfo")
	e.call(t, "no_such_method")
	seen := map[string]uint64{}
	e.srv.Stats().Each(func(name string, m *v1rpc.MethodStats) {
		if _, dup := seen[name]; dup {
			t.Errorf("%q twice", name)
		}
		seen[name] = m.Requests.Load()
	})
	if len(seen) != 12 || seen["ping"] != 2 || seen["getinfo"] != 1 || seen[""] != 1 || seen["put_zonefiles"] != 0 {
		t.Errorf("Each saw %v", seen)
	}
}

func TestNewNeedsCore(t *testing.T) {
	if _, err := v1rpc.New(v1rpc.Config{}); err == nil {
		t.Error("New accepted a config without a node")
	}
}
