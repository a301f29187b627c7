package v1rpc

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of the per-address limits. They are sized so that honest
// replication never meets them: a peer pulling 100,000 zonefiles of the
// mainnet size distribution (16.7 MB, about 30 MB of cost counting the
// requests) from one node stays inside the burst, and a larger pull goes on
// at the sustained rate, faster than one puller fetches from one source on
// the benchmark machine. A flooder is held to about a third of a core
// (serving costs about 70 ns per reply byte).
const (
	// DefaultRate is the cost one address may use per second.
	DefaultRate = 4 << 20
	// DefaultBurst is the cost an address that has been quiet may use at
	// once.
	DefaultBurst = 32 << 20
	// DefaultCallCost is what every call costs on top of the bytes it
	// carries in and out: a call's fixed work (HTTP, XML-RPC, dispatch)
	// takes as long as producing about 1 KiB of a get_zonefiles reply.
	DefaultCallCost = 1 << 10
	// DefaultMaxConns bounds the open connections: MAX_RPC_THREADS, v1's
	// file-descriptor budget.
	DefaultMaxConns = DefaultMaxInFlight
	// DefaultMaxConnsPerAddr bounds one address's open connections. An
	// atlasd peer uses at most one fetch, one push and one probe at a
	// time and keeps four idle; a v1 node one per thread.
	DefaultMaxConnsPerAddr = 16
	// DefaultTracked bounds the addresses remembered: about 100 bytes
	// each, so a flood from many addresses cannot grow the table beyond
	// half a megabyte.
	DefaultTracked = 4096
)

// maxRefusalDelay caps how long a refused request is held before its
// reply: long enough that a flooder gets a handful of refusals per second
// per connection instead of as many as the CPU can write.
const maxRefusalDelay = time.Second

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
		{"Tracked", &l.Tracked, DefaultTracked},
	} {
		if *f.v < 0 {
			return l, fmt.Errorf("%w: %s %d", ErrLimits, f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return l, nil
}
