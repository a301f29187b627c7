package v1rpc

import "net/netip"

// Python27 lets the external tests find the v1 interpreter the same way.
var Python27 = python27

// Tokens returns what is left in the rate-limit bucket of the client IP ip,
// and whether the server remembers ip at all.
func (s *Server) Tokens(ip string) (float64, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return 0, false
	}
	return s.limits.tokens(ipKey(addr))
}

// ConnsOf returns how many connections the client IP ip holds open.
func (s *Server) ConnsOf(ip string) int {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return 0
	}
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	if a := s.limits.addrs[ipKey(addr)]; a != nil {
		return a.conns
	}
	return 0
}
