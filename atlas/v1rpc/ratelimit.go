package v1rpc

import (
	"container/list"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// addrKey is the address a client is limited as: its IP, or the /64 of an
// IPv6 one. An address that does not parse (not a TCP peer) gets the zero
// key, which all such clients share.
func addrKey(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ipKey(ap.Addr())
}

// client is a caller as the limiter sees it: the address it is limited
// as, or exempt from the per-address limits.
type client struct {
	key    netip.Addr
	exempt bool
}

// clientOf classifies the remote address of a connection or request.
func (l *limiter) clientOf(remote string) client {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return client{}
	}
	ip := ap.Addr().Unmap().WithZone("")
	for _, p := range l.lim.Exempt {
		if p.Contains(ip) {
			return client{exempt: true}
		}
	}
	return client{key: ipKey(ip)}
}

// ipKey is addrKey of an IP.
func ipKey(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}

// addrState is one address's bucket and what it holds open.
type addrState struct {
	key    netip.Addr
	tokens float64
	last   time.Time
	// conns and calls pin the entry: while either is above zero it is not
	// in the idle list and cannot be forgotten, so every close and end
	// finds the entry its open and begin counted on.
	conns, calls int
	// zonefileCalls are its get_zonefiles calls in flight.
	zonefileCalls int
	idle          *list.Element
}

// limiter is the table of addresses. Entries in use are pinned; idle ones
// sit in a most-recently-used-first list and the oldest is forgotten when
// the table is over Tracked.
type limiter struct {
	lim   Limits
	rate  float64 // cost per second
	burst float64
	now   func() time.Time

	mu            sync.Mutex
	addrs         map[netip.Addr]*addrState
	idle          list.List
	conns         int
	zonefileCalls int
}

func newLimiter(lim Limits, now func() time.Time) *limiter {
	return &limiter{
		lim: lim, rate: float64(lim.Rate), burst: float64(lim.Burst), now: now,
		addrs: make(map[netip.Addr]*addrState),
	}
}

// pinLocked returns key's entry, created with a full bucket, refilled to
// now and taken out of the idle list. The caller must count a conn or a
// call on it, or call unpinLocked.
func (l *limiter) pinLocked(key netip.Addr) *addrState {
	now := l.now()
	a := l.addrs[key]
	if a == nil {
		a = &addrState{key: key, tokens: l.burst, last: now}
		l.addrs[key] = a
	}
	if a.idle != nil {
		l.idle.Remove(a.idle)
		a.idle = nil
	}
	if d := now.Sub(a.last); d > 0 {
		a.tokens = min(l.burst, a.tokens+d.Seconds()*l.rate)
		a.last = now
	}
	return a
}

// unpinLocked puts a no longer used entry at the front of the idle list
// and forgets the oldest idle entries while the table is over its bound.
func (l *limiter) unpinLocked(a *addrState) {
	if a.conns > 0 || a.calls > 0 || a.idle != nil {
		return
	}
	a.idle = l.idle.PushFront(a)
	for len(l.addrs) > l.lim.Tracked && l.idle.Len() > 0 {
		old := l.idle.Remove(l.idle.Back()).(*addrState)
		old.idle = nil
		delete(l.addrs, old.key)
	}
}

// connVerdict is what openConn decided.
type connVerdict int

const (
	connOK connVerdict = iota
	// connOverloaded: MaxConns connections are open.
	connOverloaded
	// connAddrFull: the address holds MaxConnsPerAddr connections.
	connAddrFull
)

// openConn counts a new connection from key unless a cap forbids it. A
// connection costs CallCost, admitted or refused for the address's own cap,
// so that reconnecting in a loop drains the bucket as calling in a loop
// does; a refusal because the whole server is full is not the address's
// doing and costs it nothing.
func (l *limiter) openConn(c client) connVerdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns >= l.lim.MaxConns {
		return connOverloaded
	}
	if c.exempt {
		l.conns++
		return connOK
	}
	a := l.pinLocked(c.key)
	a.tokens -= float64(l.lim.CallCost)
	if a.conns >= l.lim.MaxConnsPerAddr {
		l.unpinLocked(a)
		return connAddrFull
	}
	a.conns++
	l.conns++
	return connOK
}

// closeConn uncounts a connection openConn admitted.
func (l *limiter) closeConn(c client) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.exempt {
		l.conns--
		return
	}
	a := l.addrs[c.key]
	if a == nil || a.conns == 0 {
		return // unreachable: an open connection pins its entry
	}
	a.conns--
	l.conns--
	l.unpinLocked(a)
}

// begin admits a call from c while its bucket is not empty. Admitted, it
// returns the entry (nil for an exempt client), to pass to end; refused,
// how long the bucket takes to hold a call's cost again.
func (l *limiter) begin(c client) (a *addrState, wait time.Duration, ok bool) {
	if c.exempt {
		return nil, 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	a = l.pinLocked(c.key)
	if a.tokens <= 0 {
		// The refusal itself costs a call: a flooder that keeps asking
		// stays refused.
		a.tokens -= float64(l.lim.CallCost)
		wait = time.Duration((float64(l.lim.CallCost) - a.tokens) / l.rate * float64(time.Second))
		l.unpinLocked(a)
		return nil, wait, false
	}
	a.calls++
	return a, 0, true
}

// end takes an admitted call's cost, gives back its get_zonefiles slot if
// it took one, and unpins its entry.
func (l *limiter) end(a *addrState, cost int64, zonefileCall bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if zonefileCall {
		l.zonefileCalls--
	}
	if a == nil {
		return // an exempt client
	}
	if zonefileCall {
		a.zonefileCalls--
	}
	a.tokens -= float64(cost)
	a.calls--
	l.unpinLocked(a)
}

// takeZonefileCall admits a get_zonefiles call of the admitted call a
// (nil for an exempt client, which only the server-wide bound applies to)
// within MaxZonefileCalls and MaxZonefileCallsPerAddr; end gives the slot
// back. The verdicts are openConn's.
func (l *limiter) takeZonefileCall(a *addrState) connVerdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.zonefileCalls >= l.lim.MaxZonefileCalls:
		return connOverloaded
	case a != nil && a.zonefileCalls >= l.lim.MaxZonefileCallsPerAddr:
		return connAddrFull
	}
	if a != nil {
		a.zonefileCalls++
	}
	l.zonefileCalls++
	return connOK
}

// tokens returns the tokens in key's bucket, refilled to now, and whether
// the table holds key.
func (l *limiter) tokens(key netip.Addr) (float64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.addrs[key]; !ok {
		return 0, false
	}
	a := l.pinLocked(key)
	t := a.tokens
	l.unpinLocked(a)
	return t, true
}

// tracked returns how many addresses the table holds.
func (l *limiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.addrs)
}

// openConns returns how many connections are counted open.
func (l *limiter) openConns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns
}

// callState is what the limiter needs to know of one admitted call: the
// bytes it moves (its request body as it is read and its reply as it is
// encoded) and whether it holds a get_zonefiles slot.
type callState struct {
	n            atomic.Int64
	addr         *addrState
	zonefileCall atomic.Bool
}

type callKey struct{}

// countingBody adds what is read of a request body to the call's cost.
type countingBody struct {
	io.ReadCloser
	c *callState
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.n.Add(int64(n))
	return n, err
}
