package zmqsub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"
	"github.com/rs/zerolog"
)

// link is the connection to one endpoint and the topics served there.
// Only its run goroutine touches its fields after New.
type link struct {
	s        *Subscriber
	endpoint string
	network  string
	addr     string
	topics   []string
	counters map[string]*counterState
	log      zerolog.Logger

	overflowing bool // the last event was dropped; log only the first of a run
}

// end says why a connection stopped being read.
type end int

const (
	endShutdown end = iota
	endSilence
	endBroken
)

// run dials, reads and redials until ctx is done.
func (l *link) run(ctx context.Context) {
	cfg := &l.s.cfg
	stats := &l.s.stats
	backoff := cfg.BackoffMin
	connected := false
	for {
		conn, zc, err := l.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			stats.DialFailures.Add(1)
			l.log.Warn().Err(err).Dur("retry_in", backoff).Msg("zmq connect failed")
		} else {
			stats.Connects.Add(1)
			if connected {
				stats.Reconnects.Add(1)
				l.log.Info().Msg("zmq reconnected")
				// Whatever was published while we were away is gone.
				l.s.raise()
			} else {
				l.log.Info().Msg("zmq connected")
			}
			connected = true
			why, delivered, err := l.read(ctx, conn, zc)
			conn.Close()
			switch why {
			case endShutdown:
				return
			case endSilence:
				stats.Silences.Add(1)
				l.log.Warn().Dur("silence", cfg.Silence).Msg("zmq silent, redialling")
				l.s.raise()
			case endBroken:
				stats.Disconnects.Add(1)
				l.log.Warn().Err(err).Msg("zmq connection lost")
			}
			if delivered {
				// The publisher worked until just now: retry quickly.
				backoff = cfg.BackoffMin
			}
		}
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, cfg.BackoffMax)
	}
}

// sleep waits d or until ctx is done, reporting whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// closeOnDone closes c when ctx is done, which is the only way to
// interrupt a blocked read. The returned release cancels that, or, if ctx
// was already done, waits for the close to finish so that Run leaves no
// goroutine behind; it reports whether the close happened.
func closeOnDone(ctx context.Context, c io.Closer) (release func() bool) {
	closed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(closed)
		c.Close()
	})
	return func() bool {
		if stop() {
			return false
		}
		<-closed
		return true
	}
}

// dial connects, runs the ZMTP handshake as a SUB socket and subscribes
// to the link's topics, all within DialTimeout and interruptible by ctx.
func (l *link) dial(ctx context.Context) (net.Conn, *zmq4.Conn, error) {
	timeout := l.s.cfg.DialTimeout
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, l.network, l.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("zmqsub: dial %s: %w", l.endpoint, err)
	}
	// zmq4's handshake has no deadline and no context of its own.
	release := closeOnDone(ctx, conn)
	zc, err := l.handshake(conn, timeout)
	if release() {
		err = ctx.Err()
	}
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("zmqsub: handshake with %s: %w", l.endpoint, err)
	}
	return conn, zc, nil
}

func (l *link) handshake(conn net.Conn, timeout time.Duration) (*zmq4.Conn, error) {
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	zc, err := zmq4.Open(newGuard(conn), null.Security(), zmq4.Sub, nil, false, nil)
	if err != nil {
		return nil, err
	}
	for _, topic := range l.topics {
		// ZMTP 3.0 subscription: a one-frame message of 1 and the prefix,
		// which libzmq 4.3 and zmq4 publishers both accept.
		if err := zc.SendMsg(zmq4.NewMsg(append([]byte{1}, topic...))); err != nil {
			return nil, err
		}
	}
	return zc, conn.SetDeadline(time.Time{})
}

// read handles messages until the connection fails, goes silent or ctx is
// done. delivered reports whether any well-formed message arrived.
func (l *link) read(ctx context.Context, conn net.Conn, zc *zmq4.Conn) (why end, delivered bool, err error) {
	defer closeOnDone(ctx, conn)()
	silence := l.s.cfg.Silence
	for {
		if err := conn.SetReadDeadline(time.Now().Add(silence)); err != nil {
			return l.ended(ctx, err), delivered, err
		}
		msg, err := zc.RecvMsg()
		if err != nil {
			return l.ended(ctx, err), delivered, err
		}
		if msg.Type == zmq4.CmdMsg {
			continue // PING was answered inside RecvMsg; nothing else matters
		}
		delivered = l.handle(msg.Frames) || delivered
	}
}

// ended classifies a read error.
func (l *link) ended(ctx context.Context, err error) end {
	if ctx.Err() != nil {
		return endShutdown
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return endSilence
	}
	return endBroken
}

// handle decodes one message, tracks its counter and delivers the event,
// reporting whether the message was well formed.
func (l *link) handle(frames [][]byte) bool {
	stats := &l.s.stats
	m, ev, err := decode(frames, l.topics)
	if m.counterOK {
		l.track(m)
	}
	if err != nil {
		stats.Malformed.Add(1)
		l.log.Warn().Err(err).Msg("zmq message skipped")
		l.s.raise()
		return false
	}
	stats.Messages.Add(1)
	select {
	case l.s.events <- ev:
		l.overflowing = false
	default:
		stats.Overflows.Add(1)
		if !l.overflowing {
			l.log.Warn().Int("capacity", cap(l.s.events)).Msg("zmq events not read fast enough, dropping")
		}
		l.overflowing = true
		l.s.raise()
	}
	return true
}

// track feeds a counter to its topic's state and reports gaps and resets.
func (l *link) track(m message) {
	stats := &l.s.stats
	c := l.counters[m.topic]
	expected := c.next
	lost, reset := c.observe(m.counter)
	switch {
	case reset:
		stats.Resets.Add(1)
		l.log.Warn().Str("topic", m.topic).Uint32("expected", expected).Uint32("got", m.counter).
			Msg("zmq counter went back, publisher restarted")
		l.s.raise()
	case lost > 0:
		stats.Gaps.Add(1)
		stats.Lost.Add(uint64(lost))
		l.log.Warn().Str("topic", m.topic).Uint32("expected", expected).Uint32("got", m.counter).
			Uint32("lost", lost).Msg("zmq messages lost")
		l.s.raise()
	}
}
