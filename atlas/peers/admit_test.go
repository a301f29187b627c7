package peers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/peers/peertest"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// TestAdmit probes real peers over sockets and applies v1's rules.
func TestAdmit(t *testing.T) {
	const otherFork = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name string
		cfg  peertest.Config
		want error // nil: admitted
	}{
		{"current node", peertest.Config{}, nil},
		{"patch release of 0.17", peertest.Config{Version: "0.17.3"}, nil},
		{"stale", peertest.Config{Stale: true}, ErrStale},
		{"testnet", peertest.Config{Testnet: true}, ErrNetwork},
		{"hosted testnet", peertest.Config{Testnet: "hosted"}, ErrNetwork},
		{"0.14 node", peertest.Config{Version: "0.14.4.1"}, ErrTooOld},
		{"version without parts", peertest.Config{Version: "22"}, ErrTooOld},
		{"behind us on another fork", peertest.Config{Consensus: otherFork, Block: peertest.DefaultBlock - 3}, ErrOtherFork},
		{"level with us on another fork", peertest.Config{Consensus: otherFork}, ErrOtherFork},
		{"ahead of us, unknown hash", peertest.Config{Consensus: otherFork, Block: peertest.DefaultBlock + 1}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := peertest.Start(t, tc.cfg)
			tb := newTestTable(t, &Dialer{}, newClock())
			tb.Enqueue(p.HostPort())
			res := tb.Admit(context.Background(), AdmitPerStep)
			if len(res) != 1 {
				t.Fatalf("admissions = %+v", res)
			}
			hp, _ := Canonical(p.HostPort())
			if res[0].Peer != hp {
				t.Fatalf("probed %s, want %s", res[0].Peer, hp)
			}
			if !errors.Is(res[0].Err, tc.want) || (tc.want != nil && res[0].Err == nil) {
				t.Fatalf("err = %v, want %v", res[0].Err, tc.want)
			}
			if tb.Has(hp) != (tc.want == nil) {
				t.Fatalf("member = %v", tb.Has(hp))
			}
			if tb.PendingLen() != 0 {
				t.Fatal("probed candidate still queued")
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		p := peertest.Start(t, peertest.Config{Delay: time.Second})
		tb := newTestTable(t, &Dialer{Config: ClientConfig{Timeouts: Timeouts{Ping: 50 * time.Millisecond}}}, newClock())
		tb.Enqueue(p.HostPort())
		if res := tb.Admit(context.Background(), 1); res[0].Err == nil {
			t.Fatal("admitted a peer that did not answer in time")
		}
	})
}

func TestAdmitProbesAtMostMax(t *testing.T) {
	f := &fakeProber{info: map[string]Info{}}
	tb := newTestTable(t, f, newClock())
	for i := range 25 {
		hp := fmt.Sprintf("c%d.example:6264", i)
		f.info[hp] = goodInfo()
		tb.Enqueue(hp)
	}
	res := tb.Admit(context.Background(), AdmitPerStep)
	if len(res) != AdmitPerStep || tb.Len() != AdmitPerStep || tb.PendingLen() != 25-AdmitPerStep {
		t.Fatalf("probed %d, members %d, queued %d", len(res), tb.Len(), tb.PendingLen())
	}
}

// TestSlots fills every slot so that the next admission must collide.
func TestSlots(t *testing.T) {
	tests := []struct {
		name       string
		holderLive bool
		want       error
	}{
		{"dead holder is evicted", false, nil},
		{"live holder keeps its slot", true, ErrSlotTaken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeProber{info: map[string]Info{"new.example:6264": goodInfo()}}
			tb := newTestTable(t, f, newClock())
			tb.mu.Lock()
			for s := range Slots {
				hp := fmt.Sprintf("h%d.example:6264", s)
				tb.members[hp] = &member{slotted: true, slot: uint16(s)}
				tb.slots[uint16(s)] = hp
				if tc.holderLive {
					f.info[hp] = goodInfo()
				}
			}
			tb.mu.Unlock()
			tb.Enqueue("new.example:6264")
			res := tb.Admit(context.Background(), 1)
			if !errors.Is(res[0].Err, tc.want) || (tc.want != nil && res[0].Err == nil) {
				t.Fatalf("err = %v, want %v", res[0].Err, tc.want)
			}
			if tb.Len() != Slots {
				t.Fatalf("table holds %d, want %d", tb.Len(), Slots)
			}
			if tb.Has("new.example:6264") != (tc.want == nil) {
				t.Fatal("newcomer membership wrong")
			}
			var probedHolders int
			for hp, n := range f.calls {
				if strings.HasPrefix(hp, "h") {
					probedHolders += n
				}
			}
			if probedHolders != 1 {
				t.Fatalf("probed %d holders, want 1", probedHolders)
			}
		})
	}
}

func TestPrune(t *testing.T) {
	clk := newClock()
	f := &fakeProber{info: map[string]Info{"old-alive.example:6264": goodInfo()}}
	tb := newTestTable(t, f, clk, func(c *Config) { c.Seeds = []string{"seed.example:6264"} })
	for _, hp := range []string{"old-alive.example:6264", "old-dead.example:6264", "old-dead-healthy.example:6264"} {
		addMember(t, tb, hp)
	}
	// Twelve fresh peers that answered 10 times and failed 11: unhealthy.
	clk.Add(MaxAge + time.Hour)
	for i := range 12 {
		hp := fmt.Sprintf("flaky%d.example:6264", i)
		addMember(t, tb, hp)
		for j := range 21 {
			tb.Observe(hp, j < 10)
		}
	}
	// A seed in the same state stays.
	for j := range 21 {
		tb.Observe("seed.example:6264", j < 10)
	}
	// Past answers keep this one above 0.5 even when its re-check fails.
	for range 3 {
		tb.Observe("old-dead-healthy.example:6264", true)
	}
	removed := tb.Prune(context.Background())
	for _, want := range []struct {
		hp     string
		member bool
	}{
		{"old-alive.example:6264", true},
		{"old-dead.example:6264", false},
		{"old-dead-healthy.example:6264", true},
		{"seed.example:6264", true},
	} {
		if tb.Has(want.hp) != want.member {
			t.Errorf("%s member = %v, want %v", want.hp, !want.member, want.member)
		}
	}
	flaky := 0
	for _, hp := range removed {
		if strings.HasPrefix(hp, "flaky") {
			flaky++
		}
	}
	if flaky != maxUnhealthyRemovals {
		t.Errorf("removed %d flaky peers, want %d", flaky, maxUnhealthyRemovals)
	}
	// The renewed peer is not re-checked for another MaxAge, the clean-up
	// waits CleanInterval, and the next round takes the last two flaky ones.
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
	clk.Add(CleanInterval)
	if again := tb.Prune(context.Background()); len(again) != 12-maxUnhealthyRemovals {
		t.Errorf("second round removed %q, want the last %d flaky peers", again, 12-maxUnhealthyRemovals)
	}
	if f.calls["old-alive.example:6264"] != 0 {
		t.Errorf("renewed peer probed again")
	}
}

// TestExchangeOverSocketsBounded drives the table's peer-exchange role
// through a real XML-RPC server: 10,000 atlas_peer_exchange calls from
// 127.0.0.1, each claiming a different address.
func TestExchangeOverSocketsBounded(t *testing.T) {
	tb := newTestTable(t, &fakeProber{}, newClock())
	addMember(t, tb, "live.example:6264")
	tb.Observe("live.example:6264", true)
	s := xmlrpc.NewServer(xmlrpc.ServerConfig{})
	err := s.Register("atlas_peer_exchange", func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
		host, _ := xmlrpc.RemoteHost(ctx)
		claimed := ""
		if len(params) == 1 {
			claimed, _ = params[0].AsString()
		}
		peers, err := tb.AtlasPeerExchange(host, claimed)
		reply := map[string]any{"status": true, "indexing": false, "lastblock": 1, "peers": peers}
		if err != nil {
			reply = map[string]any{"error": "Invalid remote peer address", "http_status": 400}
		}
		b, _ := json.Marshal(reply)
		return xmlrpc.String(string(b)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := mustClient(t, strings.TrimPrefix(srv.URL, "http://"), ClientConfig{})
	const calls, workers = 10000, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < calls; i += workers {
				got, err := c.PeerExchange(context.Background(), fmt.Sprintf("claimed%d.example:%d", i, 1000+i))
				if err != nil || len(got) != 1 {
					errs <- fmt.Errorf("call %d: %q, %v", i, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if tb.PendingLen() != MaxPending || tb.Len() != 1 {
		t.Fatalf("after %d exchanges: %d queued (bound %d), %d members", calls, tb.PendingLen(), MaxPending, tb.Len())
	}
}
