package zmqsub

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Defaults for the zero values of Config.
const (
	// DefaultSilence is long enough that a node with a live mempool is
	// never silent that long, and short enough that a dead subscription
	// (bitcoin/bitcoin#12754) is noticed within one block interval.
	DefaultSilence = 5 * time.Minute
	// DefaultBackoffMin is the first redial delay after a connection
	// ends; it doubles up to DefaultBackoffMax while dials keep failing.
	DefaultBackoffMin = 100 * time.Millisecond
	// DefaultBackoffMax caps the redial delay. A redial is one TCP
	// connect, usually to loopback; at 30 s the outage soak saw wake-ups
	// return up to half a minute after bitcoind was back.
	DefaultBackoffMax = 5 * time.Second
	// DefaultDialTimeout bounds the TCP connect and the ZMTP handshake.
	DefaultDialTimeout = 10 * time.Second
	// DefaultEventBuffer is the capacity of Events.
	DefaultEventBuffer = 1024
)

// Config says where bitcoind publishes and how patient to be.
type Config struct {
	// HashBlock is bitcoind's -zmqpubhashblock endpoint, "" to not
	// subscribe to hashblock.
	HashBlock string
	// Sequence is bitcoind's -zmqpubsequence endpoint, "" to not
	// subscribe to sequence.
	Sequence string
	// Silence is how long a connection may go without a message before
	// Missed is raised and the connection is redialled; 0 means
	// DefaultSilence.
	Silence time.Duration
	// BackoffMin and BackoffMax bound the redial delay; 0 means the
	// defaults.
	BackoffMin, BackoffMax time.Duration
	// DialTimeout bounds connecting and the ZMTP handshake; 0 means
	// DefaultDialTimeout.
	DialTimeout time.Duration
	// EventBuffer is the capacity of Events; 0 means DefaultEventBuffer.
	EventBuffer int
	// Logger receives connection, gap and silence reports; the zero
	// Logger discards them.
	Logger zerolog.Logger
}

// Validate returns a copy of c with defaults filled in, or an error if an
// endpoint is malformed or none is given.
func (c Config) Validate() (Config, error) {
	if c.HashBlock == "" && c.Sequence == "" {
		return c, errors.New("zmqsub: no endpoint for hashblock or sequence")
	}
	for _, ep := range []string{c.HashBlock, c.Sequence} {
		if ep == "" {
			continue
		}
		if _, _, err := parseEndpoint(ep); err != nil {
			return c, err
		}
	}
	if c.Silence < 0 || c.BackoffMin < 0 || c.BackoffMax < 0 || c.DialTimeout < 0 || c.EventBuffer < 0 {
		return c, errors.New("zmqsub: negative duration or buffer size")
	}
	c.Silence = orDefault(c.Silence, DefaultSilence)
	c.BackoffMin = orDefault(c.BackoffMin, DefaultBackoffMin)
	c.BackoffMax = orDefault(c.BackoffMax, DefaultBackoffMax)
	c.DialTimeout = orDefault(c.DialTimeout, DefaultDialTimeout)
	c.EventBuffer = orDefault(c.EventBuffer, DefaultEventBuffer)
	if c.BackoffMax < c.BackoffMin {
		return c, fmt.Errorf("zmqsub: backoff max %v below min %v", c.BackoffMax, c.BackoffMin)
	}
	return c, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// parseEndpoint turns a ZMQ endpoint into a net.Dial network and address.
func parseEndpoint(ep string) (network, addr string, err error) {
	switch {
	case strings.HasPrefix(ep, "tcp://"):
		addr = strings.TrimPrefix(ep, "tcp://")
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" || host == "*" || port == "" {
			return "", "", fmt.Errorf("zmqsub: endpoint %q: want tcp://host:port", ep)
		}
		return "tcp", addr, nil
	case strings.HasPrefix(ep, "ipc://"):
		addr = strings.TrimPrefix(ep, "ipc://")
		if addr == "" {
			return "", "", fmt.Errorf("zmqsub: endpoint %q: empty socket path", ep)
		}
		return "unix", addr, nil
	}
	return "", "", fmt.Errorf("zmqsub: endpoint %q: want tcp:// or ipc://", ep)
}
