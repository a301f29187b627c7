package v1rpc

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func TestAddrKey(t *testing.T) {
	tests := []struct {
		remote, want string
	}{
		{"203.0.113.7:6264", "203.0.113.7"},
		{"[::ffff:203.0.113.7]:1", "203.0.113.7"},
		{"[2001:db8:1:2:aaaa::1]:6264", "2001:db8:1:2::"},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:1", "2001:db8:1:2::"},
		{"[2001:db8:1:3::1]:1", "2001:db8:1:3::"},
		{"[fe80::1%eth0]:6264", "fe80::"},
		{"127.0.0.2:5", "127.0.0.2"},
		{"not an address", "invalid IP"},
		{"@unix", "invalid IP"},
	}
	for _, tc := range tests {
		t.Run(tc.remote, func(t *testing.T) {
			if got := addrKey(tc.remote).String(); got != tc.want {
				t.Errorf("addrKey(%q) = %s, want %s", tc.remote, got, tc.want)
			}
		})
	}
}

func TestLimitsDefaults(t *testing.T) {
	got, err := Limits{Rate: 5}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := Limits{Rate: 5, Burst: DefaultBurst, CallCost: DefaultCallCost, MaxConns: DefaultMaxConns,
		MaxConnsPerAddr: DefaultMaxConnsPerAddr, MaxZonefileCalls: DefaultMaxZonefileCalls,
		MaxZonefileCallsPerAddr: DefaultMaxZonefileCallsPerAddr, Exempt: DefaultExempt, Tracked: DefaultTracked}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, _ := (Limits{Exempt: []netip.Prefix{}}).withDefaults(); len(got.Exempt) != 0 {
		t.Errorf("an empty Exempt became %v", got.Exempt)
	}
	for _, bad := range []Limits{{Rate: -1}, {Burst: -1}, {CallCost: -1}, {MaxConns: -1}, {MaxConnsPerAddr: -1},
		{MaxZonefileCalls: -1}, {MaxZonefileCallsPerAddr: -1}, {Tracked: -1}} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestBucket follows one address's bucket through debt and refill.
func TestBucket(t *testing.T) {
	now := time.Unix(1_600_000_000, 0)
	l := newLimiter(Limits{Rate: 1000, Burst: 5000, CallCost: 100, MaxConns: 10, MaxConnsPerAddr: 2, Tracked: 10},
		func() time.Time { return now })
	k := netip.MustParseAddr("203.0.113.1")
	c := client{key: k}
	tokens := func() float64 { v, _ := l.tokens(k); return v }

	a, _, _ := l.begin(c)
	if a == nil {
		t.Fatal("a new address refused")
	}
	l.end(a, 4900, false) // 100 left
	if got := tokens(); got != 100 {
		t.Fatalf("tokens %v, want 100", got)
	}
	a, _, _ = l.begin(c) // admitted with 100 left, into debt
	l.end(a, 1100, false)
	if got := tokens(); got != -1000 {
		t.Fatalf("tokens %v, want -1000", got)
	}
	if _, wait, ok := l.begin(c); ok || wait != 1200*time.Millisecond {
		// The refusal costs 100 too: 1,100 in debt, 1.2 s to reach 100.
		t.Fatalf("in debt: admitted %v, wait %v", ok, wait)
	}
	now = now.Add(1100 * time.Millisecond)
	if got := tokens(); got != 0 {
		t.Fatalf("tokens %v after 1.1 s, want 0", got)
	}
	if _, _, ok := l.begin(c); ok {
		t.Fatal("admitted with an empty bucket")
	}
	now = now.Add(time.Hour)
	if got := tokens(); got != 5000 {
		t.Fatalf("tokens %v after an hour, want the burst", got)
	}
}

// TestConnCaps checks the per-address and global connection caps, and that
// a refused connection costs its address a call but an overloaded server
// costs it nothing.
func TestConnCaps(t *testing.T) {
	now := time.Unix(1_600_000_000, 0)
	l := newLimiter(Limits{Rate: 1000, Burst: 5000, CallCost: 100, MaxConns: 3, MaxConnsPerAddr: 2, Tracked: 10},
		func() time.Time { return now })
	a, b := netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2")
	steps := []struct {
		open  netip.Addr
		close bool
		want  connVerdict
		conns int
	}{
		{open: a, want: connOK, conns: 1},
		{open: a, want: connOK, conns: 2},
		{open: a, want: connAddrFull, conns: 2},
		{open: b, want: connOK, conns: 3},
		{open: b, want: connOverloaded, conns: 3},
		{open: a, close: true, conns: 2},
		{open: b, want: connOK, conns: 3},
	}
	for i, s := range steps {
		if s.close {
			l.closeConn(client{key: s.open})
		} else if got := l.openConn(client{key: s.open}); got != s.want {
			t.Fatalf("step %d: open %s = %v, want %v", i, s.open, got, s.want)
		}
		if got := l.openConns(); got != s.conns {
			t.Fatalf("step %d: %d open, want %d", i, got, s.conns)
		}
	}
	// a: three connections tried, one refused for its own cap; b: two
	// admitted, one refused because the server was full.
	if got, _ := l.tokens(a); got != 4700 {
		t.Errorf("a has %v tokens, want 4700", got)
	}
	if got, _ := l.tokens(b); got != 4800 {
		t.Errorf("b has %v tokens, want 4800", got)
	}
}

// TestTrackedBound: a flood from many addresses keeps the table at
// Tracked plus the addresses with something open, forgetting the least
// recently seen idle ones first and never one in use.
func TestTrackedBound(t *testing.T) {
	now := time.Unix(1_600_000_000, 0)
	l := newLimiter(Limits{Rate: 1000, Burst: 5000, CallCost: 100, MaxConns: 100, MaxConnsPerAddr: 2, Tracked: 50},
		func() time.Time { return now })
	addr := func(i int) netip.Addr { return netip.MustParseAddr(fmt.Sprintf("10.0.%d.%d", i/256, i%256)) }
	// Three addresses stay in use all along: two with a connection, one
	// with a call in flight whose cost is taken at the end.
	pinned := []netip.Addr{addr(100_000 % 65536), addr(100_001 % 65536), addr(100_002 % 65536)}
	l.openConn(client{key: pinned[0]})
	l.openConn(client{key: pinned[1]})
	call, _, _ := l.begin(client{key: pinned[2]})
	for i := range 10_000 {
		if a, _, ok := l.begin(client{key: addr(i)}); ok {
			l.end(a, 5000, false)
		}
		if n := l.tracked(); n > 50+len(pinned) {
			t.Fatalf("after %d addresses the table holds %d", i+1, n)
		}
	}
	for _, p := range pinned {
		if _, ok := l.tokens(p); !ok {
			t.Errorf("address %s in use was forgotten", p)
		}
	}
	// The most recent idle addresses are remembered, in debt; older ones
	// are not.
	if got, ok := l.tokens(addr(9999)); !ok || got != 0 {
		t.Errorf("latest address: tokens %v, known %v", got, ok)
	}
	if _, ok := l.tokens(addr(0)); ok {
		t.Error("the oldest address is still remembered")
	}
	l.closeConn(client{key: pinned[0]})
	l.closeConn(client{key: pinned[1]})
	l.end(call, 0, false)
	if n := l.tracked(); n != 50 {
		t.Errorf("%d tracked once everything closed, want 50", n)
	}
	if l.openConns() != 0 {
		t.Errorf("%d connections counted open", l.openConns())
	}
}

// TestZonefileCallSlots: get_zonefiles calls are bounded per address and
// in all, and end gives a slot back.
func TestZonefileCallSlots(t *testing.T) {
	now := time.Unix(1_600_000_000, 0)
	l := newLimiter(Limits{Rate: 1000, Burst: 5000, CallCost: 100, MaxConns: 10, MaxConnsPerAddr: 5,
		MaxZonefileCalls: 3, MaxZonefileCallsPerAddr: 2, Tracked: 10}, func() time.Time { return now })
	a, b := netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2")
	begin := func(k netip.Addr) *addrState {
		s, _, ok := l.begin(client{key: k})
		if !ok {
			t.Fatalf("%s refused", k)
		}
		return s
	}
	a1, a2, a3 := begin(a), begin(a), begin(a)
	b1, b2 := begin(b), begin(b)
	steps := []struct {
		call *addrState
		want connVerdict
	}{
		{a1, connOK}, {a2, connOK}, {a3, connAddrFull}, {b1, connOK}, {b2, connOverloaded},
	}
	for i, s := range steps {
		if got := l.takeZonefileCall(s.call); got != s.want {
			t.Fatalf("step %d: %v, want %v", i, got, s.want)
		}
	}
	l.end(a1, 0, true)
	if got := l.takeZonefileCall(b2); got != connOK {
		t.Errorf("after a slot was given back: %v", got)
	}
	if got := l.takeZonefileCall(a3); got != connOverloaded {
		t.Errorf("server full: %v", got)
	}
	l.end(a2, 0, true)
	l.end(a3, 0, false)
	l.end(b1, 0, true)
	l.end(b2, 0, true)
	if l.zonefileCalls != 0 || l.tracked() != 2 {
		t.Errorf("%d slots still taken, %d tracked", l.zonefileCalls, l.tracked())
	}
}

// TestExempt: loopback callers (by default) skip the per-address limits
// but count against the server-wide ones.
func TestExempt(t *testing.T) {
	now := time.Unix(1_600_000_000, 0)
	lim, err := Limits{Rate: 1, Burst: 1, CallCost: 100, MaxConns: 3, MaxConnsPerAddr: 1,
		MaxZonefileCalls: 1, MaxZonefileCallsPerAddr: 1, Tracked: 10}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	l := newLimiter(lim, func() time.Time { return now })
	for _, tc := range []struct {
		remote string
		exempt bool
	}{
		{"127.0.0.1:5", true},
		{"[::1]:5", true},
		{"[::ffff:127.0.0.1]:5", true},
		{"127.0.0.2:5", false},
		{"203.0.113.1:5", false},
		{"[2001:db8::1]:5", false},
	} {
		if got := l.clientOf(tc.remote).exempt; got != tc.exempt {
			t.Errorf("%s: exempt %v, want %v", tc.remote, got, tc.exempt)
		}
	}
	local := l.clientOf("127.0.0.1:5")
	for i := range 5 {
		a, _, ok := l.begin(local)
		if !ok {
			t.Fatalf("exempt call %d refused", i)
		}
		l.end(a, 1<<20, false)
	}
	// Two connections from one exempt client, with MaxConnsPerAddr 1.
	first, second := l.openConn(local), l.openConn(local)
	if first != connOK || second != connOK {
		t.Error("exempt client held to one connection")
	}
	remote := l.clientOf("203.0.113.1:5")
	if l.openConn(remote) != connOK || l.openConn(local) != connOverloaded {
		t.Error("MaxConns does not count exempt connections")
	}
	if l.takeZonefileCall(nil) != connOK || l.takeZonefileCall(nil) != connOverloaded {
		t.Error("MaxZonefileCalls does not count exempt calls")
	}
	l.end(nil, 0, true)
	l.closeConn(local)
	l.closeConn(local)
	l.closeConn(remote)
	if l.openConns() != 0 || l.zonefileCalls != 0 || l.tracked() != 1 {
		t.Errorf("%d open, %d zonefile calls, %d tracked", l.openConns(), l.zonefileCalls, l.tracked())
	}
}
