package replicate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

// countingSource counts inventory calls on top of a real client.
type countingSource struct {
	Source
	calls *int
}

func (c countingSource) GetZonefileInventory(ctx context.Context, off, n int) ([]byte, error) {
	*c.calls++
	return c.Source.GetZonefileInventory(ctx, off, n)
}

func TestRefreshInventories(t *testing.T) {
	_, zfs := realWants(t, 40)
	order := hashes(zfs)
	p := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, 20})})
	calls := 0
	n := newNode(t, Config{}, p.HostPort())
	dial := n.rep.cfg.Dial
	n.rep.cfg.Dial = func(hp string) (Source, error) {
		s, err := dial(hp)
		return countingSource{s, &calls}, err
	}
	hp := canon(t, p.HostPort())
	ctx := context.Background()
	steps := []struct {
		name      string
		advance   time.Duration
		wantCalls int
	}{
		{"first refresh", 0, 1},
		{"fresh: nothing to do", DefaultRefreshInterval - time.Second, 1},
		{"due", time.Second, 2},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			n.clk.Add(s.advance)
			n.rep.RefreshInventories(ctx)
			if calls != s.wantCalls {
				t.Fatalf("%d inventory calls, want %d", calls, s.wantCalls)
			}
		})
	}
	inv, ok := n.rep.Inventory(hp)
	if !ok || inv.Len() != 40 || inv.Count() != 20 {
		t.Fatalf("inventory %v: %d bits, %d set", ok, inv.Len(), inv.Count())
	}
	for i := range 40 {
		if inv.Test(i) != (i < 20) {
			t.Fatalf("bit %d wrong", i)
		}
	}
	t.Run("read no further than our own inventory", func(t *testing.T) {
		m := newNode(t, Config{InventoryBits: func() int { return 9 }}, p.HostPort())
		m.rep.RefreshInventories(ctx)
		if inv, _ := m.rep.Inventory(hp); inv.Len() != 16 {
			t.Fatalf("read %d bits, want 2 bytes", inv.Len())
		}
	})
	t.Run("failure costs health and waits for the interval", func(t *testing.T) {
		n.rep.cfg.Dial = func(string) (Source, error) { return nil, errors.New("refused") }
		n.clk.Add(DefaultRefreshInterval)
		if got := n.rep.RefreshInventories(ctx); got != 0 {
			t.Fatalf("refreshed %d", got)
		}
		if m, _ := n.table.Member(hp); m.Health == 1 {
			t.Fatal("failed refresh not recorded")
		}
		if inv, ok := n.rep.Inventory(hp); !ok || inv.Count() != 20 {
			t.Fatal("a failed refresh dropped the cached inventory")
		}
	})
	t.Run("removed peers are forgotten", func(t *testing.T) {
		n.table.Remove(hp)
		n.rep.RefreshInventories(ctx)
		if _, ok := n.rep.Inventory(hp); ok {
			t.Fatal("state of a removed peer kept")
		}
	})
}

// bigInventory serves an inventory longer than one call may carry.
type bigInventory struct{ n int }

func (b bigInventory) GetZonefileInventory(_ context.Context, off, n int) ([]byte, error) {
	if off >= b.n {
		return nil, nil
	}
	out := make([]byte, min(n, b.n-off))
	for i := range out {
		out[i] = 0xff
	}
	return out, nil
}
func (bigInventory) GetZonefiles(context.Context, []inventory.Hash) (map[inventory.Hash][]byte, error) {
	return nil, errors.New("unused")
}
func (bigInventory) PutZonefiles(context.Context, [][]byte) ([]bool, error) {
	return nil, errors.New("unused")
}

func TestRefreshChunks(t *testing.T) {
	tests := []struct {
		name    string
		peerLen int
		ourBits func() int
		wantLen int
	}{
		{"one and a half chunks", peers.MaxInventoryLength * 3 / 2, nil, peers.MaxInventoryLength * 3 / 2},
		{"exactly one chunk", peers.MaxInventoryLength, nil, peers.MaxInventoryLength},
		{"capped by ours", peers.MaxInventoryLength * 2, func() int { return 8 * (peers.MaxInventoryLength + 3) }, peers.MaxInventoryLength + 3},
		{"capped absolutely", peers.MaxInventoryLength * (maxInventoryChunks + 2), nil, peers.MaxInventoryLength * maxInventoryChunks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := peertest.Start(t, peertest.Config{})
			n := newNode(t, Config{InventoryBits: tc.ourBits}, p.HostPort())
			n.rep.cfg.Dial = func(string) (Source, error) { return bigInventory{tc.peerLen}, nil }
			n.rep.RefreshInventories(context.Background())
			inv, ok := n.rep.Inventory(canon(t, p.HostPort()))
			if !ok || inv.Len() != 8*tc.wantLen {
				t.Fatalf("read %d bytes, want %d", inv.Len()/8, tc.wantLen)
			}
		})
	}
}
