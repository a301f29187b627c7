package zmqsub

import (
	"context"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"
	"github.com/rs/zerolog"
)

// waitTimeout bounds every wait in these tests.
const waitTimeout = 10 * time.Second

// testConfig is a Config with test-speed timings and a logger that writes
// through t.Log.
func testConfig(t *testing.T) Config {
	return Config{
		Silence:     time.Minute,
		BackoffMin:  20 * time.Millisecond,
		BackoffMax:  200 * time.Millisecond,
		DialTimeout: 2 * time.Second,
		Logger:      zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel),
	}
}

// start runs a Subscriber for cfg until the test ends, then cancels it,
// requires Run to return promptly and checks that no goroutine of this
// package or of zmq4 outlives it.
func start(t *testing.T, cfg Config) *Subscriber {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Fatal("Run did not return after cancel")
		}
		checkNoLeaks(t)
	})
	return s
}

// checkNoLeaks fails if any goroutine is still running code from this
// package's non-test files or from zmq4 and was not started by test code.
// Run waits for everything it starts, so only goroutines in their last
// instructions get the short grace period.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	var leaked []string
	for deadline := time.Now().Add(500 * time.Millisecond); ; time.Sleep(10 * time.Millisecond) {
		leaked = leaked[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "_test.go") {
				continue
			}
			// Look at the frames only: "created by" names the parent,
			// which may be Run even after the child left our code.
			frames, _, _ := strings.Cut(g, "\ncreated by ")
			if strings.Contains(frames, "/sidecar/zmqsub/") || strings.Contains(frames, "go-zeromq/zmq4") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines leaked:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
	}
}

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitTimeout); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// nextEvent returns the next event, failing the test after waitTimeout.
func nextEvent(t *testing.T, s *Subscriber) Event {
	t.Helper()
	select {
	case ev := <-s.Events():
		return ev
	case <-time.After(waitTimeout):
		t.Fatal("no event within", waitTimeout)
		return Event{}
	}
}

// noEvent checks that no event is pending.
func noEvent(t *testing.T, s *Subscriber) {
	t.Helper()
	select {
	case ev := <-s.Events():
		t.Fatalf("unexpected event %+v", ev)
	default:
	}
}

// takeMissed reports whether a Missed token was pending and consumes it.
func takeMissed(s *Subscriber) bool {
	select {
	case <-s.Missed():
		return true
	default:
		return false
	}
}

// rawPub is a PUB endpoint built on zmq4's connection layer that sends
// whatever frames or bytes a test asks for, which sidecar/internal/zmqpub
// (bitcoind-shaped by design) cannot.
type rawPub struct {
	t     *testing.T
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]*zmq4.Conn
	subs  int // subscriptions received over all connections
	wg    sync.WaitGroup
}

// startRawPub listens on network/addr and stops at test cleanup.
func startRawPub(t *testing.T, network, addr string) *rawPub {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &rawPub{t: t, ln: ln, conns: map[net.Conn]*zmq4.Conn{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *rawPub) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns[c] = nil // not ready for send until the handshake is done
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			zc, err := zmq4.Open(c, null.Security(), zmq4.Pub, nil, true, nil)
			if err != nil {
				c.Close()
				return
			}
			p.mu.Lock()
			if _, open := p.conns[c]; open {
				p.conns[c] = zc
			}
			p.mu.Unlock()
			for { // count subscriptions until the peer goes away
				if _, err := zc.RecvMsg(); err != nil {
					return
				}
				p.mu.Lock()
				p.subs++
				p.mu.Unlock()
			}
		}()
	}
}

// endpoint is the ZMQ form of the listening address.
func (p *rawPub) endpoint() string {
	if p.ln.Addr().Network() == "unix" {
		return "ipc://" + p.ln.Addr().String()
	}
	return "tcp://" + p.ln.Addr().String()
}

// waitSubs waits until n subscriptions have arrived in total.
func (p *rawPub) waitSubs(n int) {
	p.t.Helper()
	waitFor(p.t, "subscriptions", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.subs >= n
	})
}

// send writes one message of the given frames to every connection.
func (p *rawPub) send(frames ...[]byte) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, zc := range p.conns {
		if zc == nil {
			continue
		}
		if err := zc.SendMsg(zmq4.NewMsgFrom(frames...)); err != nil {
			c.Close()
			delete(p.conns, c)
		}
	}
}

// sendRaw writes bytes straight to every connection.
func (p *rawPub) sendRaw(b []byte) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, zc := range p.conns {
		if zc == nil {
			continue
		}
		if _, err := c.Write(b); err != nil {
			c.Close()
			delete(p.conns, c)
		}
	}
}

func (p *rawPub) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
