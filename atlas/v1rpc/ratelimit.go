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
	idle         *list.Element
}

// limiter is the table of addresses. Entries in use are pinned; idle ones
// sit in a most-recently-used-first list and the oldest is forgotten when
// the table is over Tracked.
type limiter struct {
	lim   Limits
	rate  float64 // cost per second
	burst float64
	now   func() time.Time

	mu    sync.Mutex
	addrs map[netip.Addr]*addrState
	idle  list.List
	conns int
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
func (l *limiter) openConn(key netip.Addr) connVerdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns >= l.lim.MaxConns {
		return connOverloaded
	}
	a := l.pinLocked(key)
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
func (l *limiter) closeConn(key netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.addrs[key]
	if a == nil || a.conns == 0 {
		return // unreachable: an open connection pins its entry
	}
	a.conns--
	l.conns--
	l.unpinLocked(a)
}

// begin admits a call from key while its bucket is not empty. Admitted, it
// returns the entry, to pass to end; refused, how long the bucket takes to
// hold a call's cost again.
func (l *limiter) begin(key netip.Addr) (*addrState, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.pinLocked(key)
	if a.tokens <= 0 {
		// The refusal itself costs a call: a flooder that keeps asking
		// stays refused.
		a.tokens -= float64(l.lim.CallCost)
		wait := time.Duration((float64(l.lim.CallCost) - a.tokens) / l.rate * float64(time.Second))
		l.unpinLocked(a)
		return nil, wait
	}
	a.calls++
	return a, 0
}

// end takes an admitted call's cost and unpins its entry.
func (l *limiter) end(a *addrState, cost int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a.tokens -= float64(cost)
	a.calls--
	l.unpinLocked(a)
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

// callCost gathers the bytes one call moves: its request body as it is
// read and its reply as it is encoded.
type callCost struct{ n atomic.Int64 }

type costKey struct{}

// countingBody adds what is read of a request body to the call's cost.
type countingBody struct {
	io.ReadCloser
	c *callCost
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.n.Add(int64(n))
	return n, err
}
