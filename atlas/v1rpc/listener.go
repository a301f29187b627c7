package v1rpc

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// refusalWriteTimeout bounds the write of a canned reply to a refused
// connection. The reply is a few hundred bytes into an empty socket buffer,
// so it never waits in practice; the deadline is for a peer whose window is
// zero on purpose.
const refusalWriteTimeout = 100 * time.Millisecond

// Listener returns ln wrapped so that its connections count against the
// limits. A connection over MaxConns gets v1's canned "overloaded" reply,
// and one over its address's MaxConnsPerAddr the "rate limited" one, both
// written at once without reading the request, and is closed: what v1 did
// past MAX_RPC_THREADS. Serve the wrapped listener with this Server.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, s: s}
}

type limitListener struct {
	net.Listener
	s *Server
}

// Accept returns the next connection within the limits, refusing the
// others on the way.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := addrKey(c.RemoteAddr().String())
		switch l.s.limits.openConn(key) {
		case connOK:
			return &limitConn{Conn: c, lim: l.s.limits, key: key}, nil
		case connOverloaded:
			l.s.stats.Overloaded.Add(1)
			refuseConn(c, l.s.overloadedRaw)
		case connAddrFull:
			l.s.stats.ConnsRefused.Add(1)
			refuseConn(c, l.s.rateLimitedRaw)
		}
	}
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
	lim  *limiter
	key  netip.Addr
	once sync.Once
}

// Close closes the connection and releases its place.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.lim.closeConn(c.key) })
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
