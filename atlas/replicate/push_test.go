package replicate

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

// TestPush sends 12 new real zonefiles to three peers that announced them:
// one lacking all, one lacking half, one holding all.
func TestPush(t *testing.T) {
	_, zfs := realWants(t, 12)
	order := hashes(zfs)
	log := &peertest.CallLog{}
	none := peertest.Start(t, peertest.Config{Order: order, Log: log})
	half := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, 6}), Log: log})
	all := peertest.Start(t, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, 12}), Log: log})
	unknown := peertest.Start(t, peertest.Config{Order: order, Log: log})
	n := newNode(t, Config{}, none.HostPort(), half.HostPort(), all.HostPort())
	ctx := context.Background()
	n.rep.RefreshInventories(ctx)
	// Admitted after the refresh: its inventory is not known yet.
	n.table.Enqueue(unknown.HostPort())
	n.table.Admit(ctx, 1)

	files := make([]Zonefile, len(zfs))
	for i, z := range zfs {
		files[i] = Zonefile{Hash: z.Hash, Bits: []int{i}, Data: z.Data}
	}
	rep, err := n.rep.Push(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	byHash := map[inventory.Hash][]byte{}
	for _, z := range zfs {
		byHash[z.Hash] = z.Data
	}
	tests := []struct {
		name  string
		p     *peertest.Peer
		got   int
		calls int
	}{
		{"lacking all", none, 12, 3},
		{"lacking half", half, 6, 2},
		{"holding all", all, 0, 0},
		{"inventory unknown", unknown, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(tc.p.Received()); got != tc.got {
				t.Fatalf("received %d zonefiles, want %d", got, tc.got)
			}
			if got := tc.p.Calls("put_zonefiles"); got != tc.calls {
				t.Fatalf("%d put_zonefiles calls, want %d", got, tc.calls)
			}
			for _, z := range zfs {
				if !tc.p.Has(z.Hash) && tc.got > 0 {
					t.Fatalf("peer still lacks %s", z.Hash)
				}
			}
			for _, d := range tc.p.Received() {
				if want, ok := byHash[peertest.Hash160(d)]; !ok || !bytes.Equal(d, want) {
					t.Fatal("received something that is not one of the pushed zonefiles")
				}
			}
			if kept := rep.Kept[canon(t, tc.p.HostPort())]; len(kept) != tc.got {
				t.Fatalf("report says %d kept, want %d", len(kept), tc.got)
			}
		})
	}
	for _, c := range log.Calls() {
		if c.Method == "put_zonefiles" && len(c.Hashes) > peers.MaxPutZonefiles {
			t.Fatalf("a put_zonefiles call carried %d zonefiles", len(c.Hashes))
		}
	}
	t.Run("nothing twice", func(t *testing.T) {
		again, err := n.rep.Push(ctx, files)
		if err != nil || again.Calls != 0 {
			t.Fatalf("second push made %d calls, %v", again.Calls, err)
		}
	})
	t.Run("bad bytes never leave", func(t *testing.T) {
		fresh := peertest.Start(t, peertest.Config{Order: order})
		m := newNode(t, Config{}, fresh.HostPort())
		m.rep.RefreshInventories(ctx)
		bad := Zonefile{Hash: zfs[0].Hash, Bits: []int{0}, Data: append(append([]byte(nil), zfs[0].Data...), ' ')}
		_, err := m.rep.Push(ctx, []Zonefile{bad, files[1]})
		if !errors.Is(err, ErrBadZonefile) {
			t.Fatalf("err = %v", err)
		}
		if got := fresh.Received(); len(got) != 1 || !bytes.Equal(got[0], zfs[1].Data) {
			t.Fatalf("peer received %d zonefiles", len(got))
		}
		if err := m.rep.Announce(bad); !errors.Is(err, ErrBadZonefile) {
			t.Fatalf("Announce(bad) = %v", err)
		}
	})
}

// TestPushToV1Peer pushes to the Python v1 peer, which keeps only zonefiles
// its chain announced.
func TestPushToV1Peer(t *testing.T) {
	zfs := peertest.Zonefiles(t, "name_zonefiles-665750.txt")
	v1 := peertest.StartV1(t, "--zonefiles", peertest.SharedPath(t, "data", "zonefiles", "name_zonefiles-tampered.txt"))
	n := newNode(t, Config{}, v1.HostPort)
	ctx := context.Background()
	n.rep.RefreshInventories(ctx)
	tz := peertest.Zonefiles(t, "name_zonefiles-tampered.txt")
	var bad peertest.Zonefile
	slot := -1
	for i, z := range tz {
		if !z.Valid {
			bad, slot = z, i
		}
	}
	// The real zonefile for the tampered entry's hash.
	var real []byte
	for _, z := range zfs {
		if z.Hash == bad.Hash {
			real = z.Data
		}
	}
	if real == nil {
		t.Fatal("tampered hash not in the 665750 export")
	}
	// Our view: the peer advertises the slot, so nothing would be pushed.
	// Clear it as a failed fetch would, then push the real bytes.
	n.rep.mu.Lock()
	n.rep.state[canon(t, v1.HostPort)].inv.Clear(slot)
	n.rep.mu.Unlock()
	rep, err := n.rep.Push(ctx, []Zonefile{{Hash: bad.Hash, Bits: []int{slot}, Data: real}})
	if err != nil || len(rep.Kept[canon(t, v1.HostPort)]) != 1 {
		t.Fatalf("kept %v, %v", rep.Kept, err)
	}
	if inv, _ := n.rep.Inventory(canon(t, v1.HostPort)); !inv.Test(slot) {
		t.Fatal("kept zonefile not marked in the cached inventory")
	}
	// The v1 peer now serves the real bytes under that hash.
	c, err := (&peers.Dialer{}).Dial(v1.HostPort)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetZonefiles(ctx, []inventory.Hash{bad.Hash})
	if err != nil || !bytes.Equal(got[bad.Hash], real) {
		t.Fatalf("v1 peer serves %q, %v", got[bad.Hash], err)
	}
}
