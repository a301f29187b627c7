package peers

import (
	"strconv"
	"strings"
)

// ServerPeers is the view of a Table that an RPC server which works out
// the caller's address itself needs (package v1rpc's Peers): live
// neighbours other than a requester, and the candidate queue. Addresses
// come in as the server builds them ("127.0.0.1:6264", "::1:6264") and are
// made canonical here.
type ServerPeers struct{ t *Table }

// ServerPeers returns the table's server view.
func (t *Table) ServerPeers() ServerPeers { return ServerPeers{t} }

// LiveNeighbors returns up to NumNeighbors live members other than
// requester, shuffled.
func (s ServerPeers) LiveNeighbors(requester string) []string {
	return s.t.LiveNeighbors(canonicalCaller(requester), NumNeighbors)
}

// Enqueue queues hostport for admission (see Table.Enqueue); an address v1
// cannot write, such as a remote IPv6 one, is ignored.
func (s ServerPeers) Enqueue(hostport string) {
	if hp := canonicalCaller(hostport); hp != "" {
		s.t.Enqueue(hp)
	}
}

// canonicalCaller is Canonical, also accepting the "<socket host>:<port>"
// a server writes for an IPv6 caller, whose host has colons of its own.
func canonicalCaller(s string) string {
	if hp, err := Canonical(s); err == nil {
		return hp
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return ""
	}
	port, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return ""
	}
	hp, err := JoinHostPort(s[:i], port)
	if err != nil {
		return ""
	}
	return hp
}
