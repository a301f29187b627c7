package v1rpc

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Defaults of the per-address limits. They are sized so that honest
// replication never meets them, because a refused get_zonefiles costs a
// v1 puller (and ours) that source until its inventory is read again. A
// fresh peer pulling 100,000 zonefiles of the mainnet size distribution
// (16.7 MB) from one node took 3.4 s on the two-core development machine,
// at about 10 MB/s of cost (27 MB of replies, 7 MB of requests): against
// the rate that drains the burst by under 2 MB/s, so a pull meets the
// limit only after about 400 MB, four times all of BNS v1 (about 300,000
// zonefiles, 100 MB of cost). A flooder is held to about half a core:
// serving measured 50-70 ns per reply byte on the same machine under load.
const (
	// DefaultRate is the cost one address may use per second.
	DefaultRate = 8 << 20
	// DefaultBurst is the cost an address that has been quiet may use at
	// once.
	DefaultBurst = 64 << 20
	// DefaultCallCost is what every call costs on top of the bytes it
	// carries in and out: a call's fixed work (HTTP, XML-RPC, dispatch)
	// takes as long as producing about 1 KiB of a get_zonefiles reply.
	DefaultCallCost = 1 << 10
	// DefaultMaxConns bounds the open connections, and so the memory all
	// clients together can hold: each connection has at most one call in
	// the server, whose body is at most 512 KiB and whose reply at most
	// 100 zonefiles. v1 allowed 1,000 (MAX_RPC_THREADS, its
	// file-descriptor budget); the Atlas network never had more than a
	// few hundred peers, each needing a few connections.
	DefaultMaxConns = 512
	// DefaultMaxConnsPerAddr bounds one address's open connections, and
	// so its calls in flight and the debt its bucket can run up. An
	// atlasd peer uses at most one fetch, one push and one probe at a
	// time and keeps up to four idle; a v1 node one per thread.
	DefaultMaxConnsPerAddr = 8
	// DefaultMaxZonefileCalls bounds the get_zonefiles calls in the server
	// at once. One asking for 100 zonefiles near the 40 KiB maximum holds
	// about 30 MB while its reply is built and written (the zonefiles,
	// their base64, the JSON, the XML, the gzip), and holds it until a slow
	// reader has taken the reply, so this bounds that memory for all
	// clients together. Calls over it get the "overloaded" reply.
	DefaultMaxZonefileCalls = 32
	// DefaultMaxZonefileCallsPerAddr bounds one address's get_zonefiles
	// calls at once: our replicator makes one per peer at a time, and a
	// v1 node's zonefile crawler one. Calls over it get the "rate
	// limited" reply.
	DefaultMaxZonefileCallsPerAddr = 2
	// DefaultTracked bounds the addresses remembered: about 100 bytes
	// each, so a flood from many addresses cannot grow the table beyond
	// half a megabyte.
	DefaultTracked = 4096
)

// maxRefusalDelay caps how long a refused request is held before its
// reply: long enough that a flooder gets a handful of refusals per second
// per connection instead of as many as the CPU can write.
const maxRefusalDelay = time.Second

// DefaultExempt are the addresses the per-address limits leave alone when
// Limits.Exempt is nil: the loopback addresses v1 itself trusted (it let
// only them name the peer a peer exchange records). Several peers on one
// host, as in a devnet, all call from there. Behind a reverse proxy on the
// same host every client would be exempt: set Exempt to an empty list
// there.
var DefaultExempt = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}

// ErrLimits reports a Limits field that is negative.
var ErrLimits = errors.New("v1rpc: bad limits")

// Limits bound what one client address may take from the server, and how
// many connections all clients may hold. An address is the client's IP;
// IPv6 clients are grouped by their /64, the block one host is usually
// given, so that a single host cannot present itself as many.
//
// Each address has a token bucket measured in bytes of cost: a call costs
// CallCost plus its request body plus its reply (the JSON text), which
// follows the server's work closely, since both parsing and serving are
// linear in those bytes. A call is admitted while the address's bucket is
// not empty and its cost is taken once it is known, so the bucket may go
// into debt by at most the calls in flight, which MaxConnsPerAddr bounds.
// A refused call gets an error reply in v1's shape after a short delay.
//
// Zero fields take the Default* values.
type Limits struct {
	// Rate is the cost per second an address's bucket refills by.
	Rate int64
	// Burst is the bucket's size.
	Burst int64
	// CallCost is the fixed cost of one call (and of one connection).
	CallCost int64
	// MaxConns bounds the connections open at once; more are answered
	// with v1's "overloaded" reply and closed. It applies to listeners
	// wrapped by Server.Listener.
	MaxConns int
	// MaxConnsPerAddr bounds the connections one address may hold open,
	// and so the calls it may have in flight.
	MaxConnsPerAddr int
	// MaxZonefileCalls and MaxZonefileCallsPerAddr bound the get_zonefiles
	// calls in flight, in all and per address, for the memory their
	// replies hold.
	MaxZonefileCalls        int
	MaxZonefileCallsPerAddr int
	// Exempt lists the client addresses the per-address limits (bucket,
	// connections, get_zonefiles calls) do not apply to; the server-wide
	// ones still do. Nil means DefaultExempt; an empty list exempts
	// nobody.
	Exempt []netip.Prefix
	// Tracked bounds the addresses remembered while idle; the least
	// recently seen is forgotten first (its bucket was full or nearly).
	// Addresses with open connections are always remembered.
	Tracked int
}

// withDefaults fills zero fields and refuses negative ones.
func (l Limits) withDefaults() (Limits, error) {
	for _, f := range []struct {
		name string
		v    *int64
		def  int64
	}{
		{"Rate", &l.Rate, DefaultRate},
		{"Burst", &l.Burst, DefaultBurst},
		{"CallCost", &l.CallCost, DefaultCallCost},
	} {
		if *f.v < 0 {
			return l, fmt.Errorf("%w: %s %d", ErrLimits, f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxConns", &l.MaxConns, DefaultMaxConns},
		{"MaxConnsPerAddr", &l.MaxConnsPerAddr, DefaultMaxConnsPerAddr},
		{"MaxZonefileCalls", &l.MaxZonefileCalls, DefaultMaxZonefileCalls},
		{"MaxZonefileCallsPerAddr", &l.MaxZonefileCallsPerAddr, DefaultMaxZonefileCallsPerAddr},
		{"Tracked", &l.Tracked, DefaultTracked},
	} {
		if *f.v < 0 {
			return l, fmt.Errorf("%w: %s %d", ErrLimits, f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if l.Exempt == nil {
		l.Exempt = DefaultExempt
	}
	return l, nil
}
