package verify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
	"github.com/atlasd/atlasd/atlas/verify"
)

// TestCompareWithReference compares this implementation's replay of a
// reference scenario with a peer serving the hashes the reference
// implementation itself recorded for it, as they are and tampered with.
func TestCompareWithReference(t *testing.T) {
	m := machine(t, 0)
	ref := loadRecorded(t)
	first, last := ref.first, ref.LastBlock()
	n := last - first + 1
	flip := func(at int64) func(int64, []string) []string {
		return func(first int64, hs []string) []string {
			b := []byte(hs[at-first])
			b[0] ^= 1 // '0'..'9' and 'a'..'f' stay hex digits
			hs[at-first] = string(b)
			return hs
		}
	}
	for _, tc := range []struct {
		name     string
		peer     *recorded
		from, to int64
		agree    bool
		diff     int64 // expected first difference, 0 for none
		compared int64
		calls    int
	}{
		{"all agree", ref, first, 0, true, 0, n, 2},
		{"explicit range", ref, first + 3, last - 2, true, 0, n - 5, 2},
		{"one height", ref, last, last, true, 0, 1, 2},
		{"upper-case hashes", ref.edit(upper), first, 0, true, 0, n, 2},
		{"first height differs", ref.edit(flip(first)), first, 0, false, first, 1, 2},
		{"height 270 differs", ref.edit(flip(270)), first, 0, false, 270, 270 - first + 1, 2},
		{"last height differs", ref.edit(flip(last)), first, last, false, last, n, 2},
		{"difference before the range is not seen", ref.edit(flip(first)), first + 1, 0, true, 0, n - 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.Compare(context.Background(), ours(m), serve(t, tc.peer, first), tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Agree != tc.agree || rep.Compared != tc.compared || rep.Calls != tc.calls || rep.PeerLastBlock != last {
				t.Errorf("report %+v", rep)
			}
			if tc.diff == 0 {
				if rep.FirstDiff != nil {
					t.Errorf("difference %+v", *rep.FirstDiff)
				}
				return
			}
			want := verify.Diff{Height: tc.diff, Ours: ref.hashes[tc.diff-first], Theirs: tc.peer.hashes[tc.diff-first]}
			if rep.FirstDiff == nil || *rep.FirstDiff != want {
				t.Errorf("difference %v, want %+v", rep.FirstDiff, want)
			}
		})
	}
}

// TestCompareBatches runs over 131 heights, five get_consensus_hashes
// calls, against a peer serving our replay's own hashes (the scenario
// plus 100 empty blocks), as they are or with one changed.
func TestCompareBatches(t *testing.T) {
	m := machine(t, 100)
	tip, _ := m.Tip()
	mine := &recorded{first: 256}
	for h := mine.first; h <= tip; h++ {
		ch, ok := m.ConsensusHash(uint64(h))
		if !ok {
			t.Fatalf("no hash at %d", h)
		}
		mine.hashes = append(mine.hashes, ch)
	}
	if n := len(mine.hashes); n != 131 {
		t.Fatalf("%d heights", n)
	}
	change := func(at int64) *recorded {
		return mine.edit(func(first int64, hs []string) []string {
			hs[at-first] = strings.Repeat("0", 32)
			return hs
		})
	}
	for _, tc := range []struct {
		name  string
		peer  *recorded
		diff  int64
		calls int
	}{
		{"agree", mine, 0, 6},
		{"differ in the first call", change(287), 287, 2},
		{"differ at the start of the second call", change(288), 288, 3},
		{"differ in the third call", change(350), 350, 4},
		{"differ at the last height", change(386), 386, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.Compare(context.Background(), ours(m), serve(t, tc.peer, 256), 256, 0)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Calls != tc.calls || rep.Agree != (tc.diff == 0) || rep.To != tip {
				t.Errorf("report %+v", rep)
			}
			if tc.diff == 0 {
				if rep.Compared != 131 || rep.FirstDiff != nil {
					t.Errorf("report %+v", rep)
				}
				return
			}
			if rep.FirstDiff == nil || rep.FirstDiff.Height != tc.diff || rep.Compared != tc.diff-255 ||
				rep.FirstDiff.Theirs != strings.Repeat("0", 32) || rep.FirstDiff.Ours != mine.hashes[tc.diff-256] {
				t.Errorf("report %+v, difference %v", rep, rep.FirstDiff)
			}
		})
	}
}

// TestCompareRefusals covers every way a comparison cannot be made.
func TestCompareRefusals(t *testing.T) {
	m := machine(t, 0)
	ref := loadRecorded(t)
	first, last := ref.first, ref.LastBlock()
	short := ref.edit(func(_ int64, hs []string) []string { return hs[:len(hs)-10] })
	longer := serve(t, hashesOf{machine(t, 5)}, first)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	// A peer whose getinfo claims block last but which has no hash below
	// it.
	claims := peertest.Start(t, peertest.Config{Consensus: ref.hashes[len(ref.hashes)-1], Block: last})
	for _, tc := range []struct {
		name     string
		peer     verify.Peer
		from, to int64
		want     error
	}{
		{"from after to", serve(t, ref, first), last, first, verify.ErrRange},
		{"negative from", serve(t, ref, first), -1, 0, verify.ErrRange},
		{"nobody listening", client(t, dead), first, 0, verify.ErrUnreachable},
		{"below the peer's first block", serve(t, ref, first+5), first, last, verify.ErrRefused},
		{"peer behind the explicit end", serve(t, short, first), first, last, verify.ErrPeerBehind},
		{"peer behind the start", serve(t, short, first), last - 5, 0, verify.ErrPeerBehind},
		{"peer ahead of the explicit end", longer, first, last + 3, verify.ErrPeerAhead},
		{"we lack the start", longer, last + 1, 0, verify.ErrPeerAhead},
		{"peer answers null below the block it claims", client(t, claims.HostPort()), last - 3, last, verify.ErrPeerBehind},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.Compare(context.Background(), ours(m), tc.peer, tc.from, tc.to)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v (report %+v), want %v", err, rep, tc.want)
			}
			if rep.Agree || rep.FirstDiff != nil {
				t.Errorf("a failed comparison reported %+v", rep)
			}
			if !strings.Contains(err.Error(), "verify: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
	t.Run("to left open takes the lower tip", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			peer *peers.Client
			to   int64
		}{
			{"peer behind", serve(t, short, first), short.LastBlock()},
			{"peer ahead", longer, last},
		} {
			rep, err := verify.Compare(context.Background(), ours(m), tc.peer, first, 0)
			if err != nil || !rep.Agree || rep.To != tc.to || rep.Compared != tc.to-first+1 {
				t.Errorf("%s: %+v, %v", tc.name, rep, err)
			}
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := verify.Compare(ctx, ours(m), serve(t, ref, first), first, 0)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v", err)
		}
	})
}

func TestReportOutput(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  verify.Report
		text []string
		json string
	}{
		{"agree", verify.Report{Peer: "p:6264", From: 256, To: 286, PeerLastBlock: 290, Compared: 31, Calls: 2, Agree: true},
			[]string{"p:6264", "agree", "31 heights", "256..286", "290"},
			`{"peer":"p:6264","from":256,"to":286,"peer_last_block":290,"compared":31,"calls":2,"agree":true}`},
		{"differ", verify.Report{Peer: "p:6264", From: 256, To: 286, PeerLastBlock: 286, Compared: 15, Calls: 2,
			FirstDiff: &verify.Diff{Height: 270, Ours: "aa", Theirs: "bb"}},
			[]string{"differ at height 270", "ours aa", "peer's bb", "agree on 256..269"},
			`{"peer":"p:6264","from":256,"to":286,"peer_last_block":286,"compared":15,"calls":2,"agree":false,"first_difference":{"height":270,"ours":"aa","theirs":"bb"}}`},
		{"differ at the start", verify.Report{Peer: "p:6264", From: 256, To: 286, Compared: 1, Calls: 2,
			FirstDiff: &verify.Diff{Height: 256, Ours: "aa", Theirs: "bb"}},
			[]string{"differ at height 256"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.rep.String()
			for _, want := range tc.text {
				if !strings.Contains(s, want) {
					t.Errorf("%q lacks %q", s, want)
				}
			}
			if tc.rep.FirstDiff != nil && tc.rep.FirstDiff.Height == tc.rep.From && strings.Contains(s, "agree on") {
				t.Errorf("%q claims agreement before the first height", s)
			}
			if tc.json == "" {
				return
			}
			b, err := json.Marshal(tc.rep)
			if err != nil || string(b) != tc.json {
				t.Errorf("JSON %s, %v\nwant %s", b, err, tc.json)
			}
		})
	}
}
