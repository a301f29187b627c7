package replicate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

// TestFetchRarestFirst replicates 300 real zonefiles from three peers with
// overlapping holdings, one call at a time, and checks the order of the
// calls the peers saw.
func TestFetchRarestFirst(t *testing.T) {
	ws, zfs := realWants(t, 300)
	order := hashes(zfs)
	log := &peertest.CallLog{}
	// Popularity: 0–49 two (a, c), 50–99 one (a), 100–249 two (a, b),
	// 250–279 one (b), 280–299 two (b, c).
	a := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, 250}), Log: log})
	b := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{100, 300}), Log: log})
	c := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, 50}, [2]int{280, 300}), Log: log})
	n := newNode(t, Config{Concurrency: 1}, a.HostPort(), b.HostPort(), c.HostPort())
	ctx := context.Background()
	if got := n.rep.RefreshInventories(ctx); got != 3 {
		t.Fatalf("refreshed %d inventories", got)
	}
	rep, err := n.rep.Fetch(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Stored) != 300 || n.store.Len() != 300 {
		t.Fatalf("stored %d (report %d), want 300", n.store.Len(), len(rep.Stored))
	}
	for _, z := range zfs {
		if !bytes.Equal(n.store.files[z.Hash], z.Data) {
			t.Fatalf("zonefile %s differs", z.Hash)
		}
	}
	pop := map[string]int{}
	for i, z := range zfs {
		switch {
		case i >= 50 && i < 100, i >= 250 && i < 280:
			pop[z.Hash.String()] = 1
		default:
			pop[z.Hash.String()] = 2
		}
	}
	calls := log.Calls()
	var seq []string
	for _, call := range calls {
		if len(call.Hashes) > peers.MaxGetZonefiles {
			t.Errorf("a call asked for %d zonefiles", len(call.Hashes))
		}
		seq = append(seq, call.Hashes...)
	}
	if len(seq) != 300 {
		t.Fatalf("asked for %d zonefiles in all, want each of 300 once", len(seq))
	}
	// One call at a time in plan order: popularity never goes down along
	// the sequence of requested hashes, and within each call the order is
	// (popularity, hash).
	for i := 1; i < len(seq); i++ {
		if pop[seq[i]] < pop[seq[i-1]] {
			t.Fatalf("request %d (%s, popularity %d) came after one of popularity %d", i, seq[i], pop[seq[i]], pop[seq[i-1]])
		}
	}
	for _, call := range calls {
		for i := 1; i < len(call.Hashes); i++ {
			if call.Hashes[i-1] >= call.Hashes[i] {
				t.Fatalf("call to %s not in hash order", call.Peer)
			}
		}
	}
	if pop[seq[0]] != 1 || pop[seq[79]] != 1 || pop[seq[80]] != 2 {
		t.Fatalf("the 80 rare zonefiles were not asked for first")
	}
	t.Logf("%d calls: %d rounds, %d batches", len(calls), rep.Rounds, rep.Batches)
}

// TestFetchLiar puts a peer that lies in every way in front of an honest
// one: it is healthier, so it is asked first.
func TestFetchLiar(t *testing.T) {
	ws, zfs := realWants(t, 400)
	order := hashes(zfs)
	corrupt, withhold := map[inventory.Hash]bool{}, map[inventory.Hash]bool{}
	for i, z := range zfs {
		switch i % 4 {
		case 1:
			corrupt[z.Hash] = true
		case 2:
			withhold[z.Hash] = true
		}
	}
	// The liar advertises all 400 and holds the ones it does not withhold.
	liar := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, 400}), Corrupt: corrupt, Withhold: withhold})
	honest := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, 400})})
	n := newNode(t, Config{Concurrency: 2}, liar.HostPort(), honest.HostPort())
	ctx := context.Background()
	n.rep.RefreshInventories(ctx)
	liarHP, honestHP := canon(t, liar.HostPort()), canon(t, honest.HostPort())
	n.table.Observe(honestHP, false) // honest: 1 of 2; liar: 1 of 1

	rep, err := n.rep.Fetch(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if n.store.Len() != 400 {
		t.Fatalf("stored %d of 400", n.store.Len())
	}
	for _, z := range zfs {
		if !bytes.Equal(n.store.files[z.Hash], z.Data) {
			t.Fatalf("zonefile %s stored with other bytes", z.Hash)
		}
	}
	if rep.Bad[liarHP] == 0 || rep.Missing[liarHP] == 0 {
		t.Errorf("liar's lies not counted: bad %d, missing %d", rep.Bad[liarHP], rep.Missing[liarHP])
	}
	if rep.Bad[honestHP]+rep.Missing[honestHP] != 0 {
		t.Errorf("honest peer blamed")
	}
	if len(rep.Dropped) != 1 || rep.Dropped[0] != liarHP || n.table.Has(liarHP) {
		t.Errorf("liar not dropped: dropped %q, still a member %v", rep.Dropped, n.table.Has(liarHP))
	}
	if !n.table.Has(honestHP) {
		t.Error("honest peer dropped")
	}
	if n.table.Enqueue(liar.HostPort()) != 0 {
		t.Error("dropped liar queued again straight away")
	}
	if got := len(liar.Batches()); got != DefaultMaxStrikes {
		t.Errorf("liar was asked %d times, want %d (dropped at the last strike)", got, DefaultMaxStrikes)
	}
}

// TestFetchFromV1Peers replicates from the shared Python v1 peer: one
// honest, one run with --lie (every third zonefile corrupted), and one
// serving the tampered export, which advertises a zonefile whose stored
// copy does not verify and so is never served.
func TestFetchFromV1Peers(t *testing.T) {
	zf665 := peertest.SharedPath(t, "data", "zonefiles", "name_zonefiles-665750.txt")
	ws, zfs := realWants(t, 1631)
	liar := peertest.StartV1(t, "--lie", "--zonefiles", zf665)
	n := newNode(t, Config{}, liar.HostPort)
	ctx := context.Background()
	n.rep.RefreshInventories(ctx)
	if inv, ok := n.rep.Inventory(canon(t, liar.HostPort)); !ok || inv.Count() != len(zfs) {
		t.Fatalf("v1 liar inventory not read")
	}
	rep, err := n.rep.Fetch(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if n.table.Has(canon(t, liar.HostPort)) {
		t.Fatal("v1 liar still a member")
	}
	// Everything the liar sent intact was kept: two of every three in the
	// batches it was asked before it was dropped.
	if len(rep.Stored) == 0 || rep.Bad[canon(t, liar.HostPort)] == 0 {
		t.Fatalf("stored %d, bad %v", len(rep.Stored), rep.Bad)
	}

	honest := peertest.StartV1(t, "--zonefiles", zf665)
	n.table.Enqueue(honest.HostPort)
	n.table.Admit(ctx, 1)
	n.rep.RefreshInventories(ctx)
	if _, err := n.rep.Fetch(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if n.store.Len() != len(zfs) {
		t.Fatalf("stored %d of %d after the honest v1 peer", n.store.Len(), len(zfs))
	}

	t.Run("tampered export", func(t *testing.T) {
		tz := peertest.Zonefiles(t, "name_zonefiles-tampered.txt")
		tw := make([]Want, len(tz))
		for i, z := range tz {
			tw[i] = Want{Hash: z.Hash, Bits: []int{i}}
		}
		v1 := peertest.StartV1(t, "--zonefiles", peertest.SharedPath(t, "data", "zonefiles", "name_zonefiles-tampered.txt"))
		m := newNode(t, Config{}, v1.HostPort)
		m.rep.RefreshInventories(ctx)
		rep, err := m.rep.Fetch(ctx, tw)
		if err != nil {
			t.Fatal(err)
		}
		if m.store.Len() != len(tz)-1 || rep.Missing[canon(t, v1.HostPort)] != 1 {
			t.Fatalf("stored %d of %d, missing %v", m.store.Len(), len(tz), rep.Missing)
		}
		for _, z := range tz {
			if _, ok := m.store.files[z.Hash]; ok != z.Valid {
				t.Fatalf("%s stored %v, valid %v", z.Hash, ok, z.Valid)
			}
		}
		if m.rep.Strikes(canon(t, v1.HostPort)) != 1 || !m.table.Has(canon(t, v1.HostPort)) {
			t.Fatal("one unreadable file should cost one strike, not the peer")
		}
		// After a refresh re-advertises it, asking again costs nothing more.
		m.clk.Add(DefaultRefreshInterval)
		m.rep.RefreshInventories(ctx)
		if inv, _ := m.rep.Inventory(canon(t, v1.HostPort)); inv.Test(0) {
			t.Fatal("refused bit came back with the refresh")
		}
	})
}

func TestFetchStoreError(t *testing.T) {
	ws, zfs := realWants(t, 10)
	p := peertest.Start(t, peertest.Config{Order: hashes(zfs), Files: serve(zfs, [2]int{0, 10})})
	n := newNode(t, Config{}, p.HostPort())
	failing := fmt.Errorf("disk full")
	n.rep.cfg.Store = func(inventory.Hash, []byte) error { return failing }
	ctx := context.Background()
	n.rep.RefreshInventories(ctx)
	rep, err := n.rep.Fetch(ctx, ws)
	if !errors.Is(err, failing) || len(rep.Stored) != 0 || rep.Batches != 1 {
		t.Fatalf("err = %v, stored %d, batches %d; want the store error after one batch", err, len(rep.Stored), rep.Batches)
	}
	if n.rep.Strikes(canon(t, p.HostPort())) != 0 {
		t.Fatal("our own store failure struck the peer")
	}
}

func TestFetchDeadPeer(t *testing.T) {
	ws, zfs := realWants(t, 20)
	p := peertest.Start(t, peertest.Config{Order: hashes(zfs), Files: serve(zfs, [2]int{0, 20})})
	n := newNode(t, Config{}, p.HostPort())
	ctx := context.Background()
	n.rep.RefreshInventories(ctx)
	// The peer goes away after advertising.
	hp := canon(t, p.HostPort())
	n.rep.cfg.Dial = func(string) (Source, error) { return nil, fmt.Errorf("connection refused") }
	rep, err := n.rep.Fetch(ctx, ws)
	if err != nil || len(rep.Stored) != 0 || rep.Batches != 1 {
		t.Fatalf("err %v, stored %d, batches %d", err, len(rep.Stored), rep.Batches)
	}
	if inv, _ := n.rep.Inventory(hp); inv.Count() != 0 {
		t.Fatal("bits of a failed call not cleared")
	}
	if n.rep.Strikes(hp) != 0 {
		t.Fatal("a failed call counted as a lie")
	}
	if m, _ := n.table.Member(hp); m.Requests != 2 || m.Successes != 1 {
		t.Fatalf("health record %+v, want one success (refresh) and one failure", m)
	}
}
