package replicate

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// TestRun replicates into a real inventory.Table: Wants come from the
// table, Store marks zonefiles present, and an announced zonefile is pushed
// to the peer that lacks it.
func TestRun(t *testing.T) {
	_, zfs := realWants(t, 50)
	var mu sync.Mutex
	table := inventory.NewTable()
	for i, z := range zfs {
		a := inventory.Announcement{Name: "n" + z.Hash.String()[:6] + ".id", Hash: z.Hash, TxID: chainhash.Hash(sha256.Sum256([]byte{byte(i), 1})), Height: int32(400000 + i)}
		if _, err := table.Append(a); err != nil {
			t.Fatal(err)
		}
	}
	order := hashes(zfs)
	full := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, 50})})
	empty := peertest.Start(t, peertest.Config{Order: order})
	n := newNode(t, Config{
		Idle: time.Hour,
		Wants: func() []Want {
			mu.Lock()
			defer mu.Unlock()
			return WantsOf(table)
		},
		InventoryBits: func() int {
			mu.Lock()
			defer mu.Unlock()
			return table.Len()
		},
	}, full.HostPort(), empty.HostPort())
	store := n.rep.cfg.Store
	n.rep.cfg.Store = func(h inventory.Hash, d []byte) error {
		if err := store(h, d); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		table.SetPresent(h, true)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.rep.Run(ctx) }()

	waitFor(t, "all zonefiles stored", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return table.PresentCount() == 50
	})
	if err := n.rep.Announce(Zonefile{Hash: zfs[7].Hash, Bits: []int{7}, Data: zfs[7].Data}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the announced zonefile pushed", func() bool { return empty.Has(zfs[7].Hash) })
	if got := len(empty.Received()); got != 1 {
		t.Fatalf("empty peer received %d zonefiles, want the one announced", got)
	}
	if full.Calls("put_zonefiles") != 0 {
		t.Fatal("pushed to a peer that has it")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestAnnounceQueueBounded(t *testing.T) {
	_, zfs := realWants(t, 1)
	p := peertest.Start(t, peertest.Config{})
	n := newNode(t, Config{}, p.HostPort())
	z := Zonefile{Hash: zfs[0].Hash, Bits: []int{0}, Data: zfs[0].Data}
	for i := range MaxQueuedPush {
		if err := n.rep.Announce(z); err != nil {
			t.Fatalf("announce %d: %v", i, err)
		}
	}
	if err := n.rep.Announce(z); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("announce past the bound: %v", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
