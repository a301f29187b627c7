package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
	"github.com/atlasd/atlasd/atlas/service"
)

// TestLyingPeerDropped gives our peer S a single neighbour L that
// advertises every zonefile of the chain (700 real ones) and then either
// serves them with a flipped byte or does not serve them at all. S must
// store none of L's bytes and drop L; once the honest service H is made
// its neighbour, S must end with every zonefile byte for byte, and L must
// stay out.
func TestLyingPeerDropped(t *testing.T) {
	real := realZonefiles(t)[:700]
	files := map[inventory.Hash][]byte{}
	lies := map[inventory.Hash]bool{}
	var all [][]byte
	for _, z := range real {
		files[z.Hash] = z.Data
		lies[z.Hash] = true
		all = append(all, z.Data)
	}
	chain := newSynthChain()
	chain.addBlock() // a first block with no announcements
	hashes := make([]inventory.Hash, len(real))
	for i, z := range real {
		hashes[i] = z.Hash
	}
	chain.addBlocks(50, hashes)
	tip := chain.LastBlock()
	tipHash, _ := chain.ConsensusHash(tip)

	for _, tc := range []struct {
		name string
		liar peertest.Config
	}{
		{"corrupt bytes", peertest.Config{Corrupt: lies}},
		{"false inventory", peertest.Config{Withhold: lies}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeaks(t)
			cfg := tc.liar
			cfg.Order, cfg.Files = chain.order(), files
			cfg.Consensus, cfg.Block = tipHash, tip
			liar := peertest.Start(t, cfg)
			ps := startPeers(t,
				spec{chain: chain},
				spec{chain: chain, before: func(s *service.Service) {
					if st, err := s.Put(context.Background(), all); err != nil || len(st) != len(all) {
						t.Fatalf("preload: %v", err)
					}
				}})
			s, h := ps[0], ps[1]
			if p, tot := h.svc.Inventory(); p != tot || tot != len(real) {
				t.Fatalf("honest peer holds %d of %d", p, tot)
			}
			ctx := context.Background()
			// Only a caller on the same host may name the peer to queue;
			// the test is one.
			if _, err := s.client(t).PeerExchange(ctx, liar.HostPort()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 30*time.Second, "S to drop L", func() bool {
				return s.svc.Status().DroppedLiars == 1 && !s.hasMember(liar.HostPort())
			})
			if len(liar.Batches()) < 3 {
				t.Errorf("L was asked %d times; a drop needs three lying batches", len(liar.Batches()))
			}
			if p, _ := s.svc.Inventory(); p != 0 {
				t.Errorf("S stored %d zonefiles while L was its only neighbour", p)
			}

			// Named again, L is not even queued: it was dropped for a day.
			if _, err := s.client(t).PeerExchange(ctx, liar.HostPort()); err != nil {
				t.Fatal(err)
			}
			if n := s.svc.Status().Candidates; n != 0 {
				t.Errorf("%d candidates queued after L was named again", n)
			}
			if _, err := s.client(t).PeerExchange(ctx, h.addr); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 30*time.Second, "S to fetch everything from H", func() bool { return s.holdsAll(files) })
			s.checkHolds(t, files)
			if s.hasMember(liar.HostPort()) {
				t.Error("L is back in S's table")
			}
			checkStoreHoldsOnly(t, s, files)
		})
	}
}

// checkStoreHoldsOnly fails unless p's store holds exactly the zonefiles
// of want, each verifying, and never found a corrupt one.
func checkStoreHoldsOnly(t *testing.T, p *peer, want map[inventory.Hash][]byte) {
	t.Helper()
	db := p.svc.Core().Store()
	n := 0
	if err := db.Scan(func(h inventory.Hash) error {
		n++
		if _, ok := want[h]; !ok {
			t.Errorf("store holds %s, which was never announced", h)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(want) || db.Corruptions() != 0 {
		t.Errorf("store holds %d zonefiles (want %d), %d corrupt reads", n, len(want), db.Corruptions())
	}
}
