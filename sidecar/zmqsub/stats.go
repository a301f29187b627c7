package zmqsub

import "sync/atomic"

// Stats counts what a Subscriber saw. Fields only grow; read them with
// Load at any time.
type Stats struct {
	// Messages counts well-formed notifications received.
	Messages atomic.Uint64
	// Gaps counts counter jumps; Lost sums the messages they skipped.
	Gaps, Lost atomic.Uint64
	// Resets counts counters that went back, as after a bitcoind restart.
	Resets atomic.Uint64
	// Silences counts connections dropped for going quiet.
	Silences atomic.Uint64
	// Connects counts successful connections (handshake and
	// subscriptions done); Reconnects counts those after an endpoint's
	// first.
	Connects, Reconnects atomic.Uint64
	// Disconnects counts connections that failed while open (the
	// publisher went away or broke the protocol), not counting silence
	// and shutdown.
	Disconnects atomic.Uint64
	// DialFailures counts connection attempts that failed.
	DialFailures atomic.Uint64
	// Malformed counts messages skipped for not matching bitcoind's format.
	Malformed atomic.Uint64
	// Overflows counts events dropped because Events was full.
	Overflows atomic.Uint64
	// Missed counts the times Missed was raised, before coalescing.
	Missed atomic.Uint64
}
