package v1rpc

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// refusalWriteTimeout bounds the write of a canned reply to a refused
// connection. The reply is a few hundred bytes into an empty socket buffer,
// so it never waits in practice; the deadline is for a peer whose window is
// zero on purpose.
const refusalWriteTimeout = 100 * time.Millisecond

// maxHeldRefusals bounds the refused connections held for maxRefusalDelay
// before their reply, which turns a client reconnecting in a loop into one
// that reconnects once a second. Past the bound (many addresses at once)
// refusals are answered at once: holding them costs a descriptor each.
const maxHeldRefusals = 64

// Listener returns ln wrapped so that its connections count against the
// limits. A connection over MaxConns gets v1's canned "overloaded" reply,
// and one over its address's MaxConnsPerAddr the "rate limited" one, both
// written without reading the request, and is closed: what v1 did past
// MAX_RPC_THREADS. The reply comes after a second (for up to 64 refused
// connections at a time), so that a client reconnecting in a loop does so
// once a second. Serve the wrapped listener with this Server.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, s: s, done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	s *Server
	// held counts refused connections waiting for their reply; done ends
	// their wait when the listener closes.
	held      atomic.Int64
	done      chan struct{}
	closeOnce sync.Once
}

// Close closes the listener and answers the held refusals now.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Accept returns the next connection within the limits, refusing the
// others on the way.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		cl := l.s.limits.clientOf(c.RemoteAddr().String())
		switch l.s.limits.openConn(cl) {
		case connOK:
			return &limitConn{Conn: c, lim: l.s.limits, client: cl}, nil
		case connOverloaded:
			l.s.stats.Overloaded.Add(1)
			l.refuse(c, l.s.overloadedRaw)
		case connAddrFull:
			l.s.stats.ConnsRefused.Add(1)
			l.refuse(c, l.s.rateLimitedRaw)
		}
	}
}

// refuse answers a refused connection after maxRefusalDelay if fewer than
// maxHeldRefusals are waiting, at once otherwise.
func (l *limitListener) refuse(c net.Conn, reply []byte) {
	if l.held.Add(1) > maxHeldRefusals {
		l.held.Add(-1)
		refuseConn(c, reply)
		return
	}
	go func() {
		defer l.held.Add(-1)
		t := time.NewTimer(maxRefusalDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-l.done:
		}
		refuseConn(c, reply)
	}()
}

// refuseConn writes a canned reply and closes c. A client that had already
// sent its request may see a reset instead of the reply; v1's clients
// treat both as a failed call.
func refuseConn(c net.Conn, reply []byte) {
	_ = c.SetWriteDeadline(time.Now().Add(refusalWriteTimeout))
	_, _ = c.Write(reply)
	_ = c.Close()
}

// limitConn uncounts its connection once, however often it is closed.
type limitConn struct {
	net.Conn
	lim    *limiter
	client client
	once   sync.Once
}

// Close closes the connection and releases its place.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.lim.closeConn(c.client) })
	return err
}

// CloseWrite half-closes a TCP connection. net/http does this before
// closing a connection whose request body it did not read, so that the
// client reads the reply before the reset; wrapping must not lose it.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
