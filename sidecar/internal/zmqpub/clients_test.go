package zmqpub

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/lightninglabs/gozmq"
)

// recvTimeout bounds every wait for a message in these tests.
const recvTimeout = 5 * time.Second

// subClient is a SUB socket from one of the libraries atlasd may use,
// delivering whole messages as frame lists.
type subClient struct {
	msgs  chan [][]byte
	close func()
}

// next returns the next message, or fails the test after recvTimeout.
func (s *subClient) next(t *testing.T) [][]byte {
	t.Helper()
	select {
	case m, ok := <-s.msgs:
		if !ok {
			t.Fatal("subscriber stopped")
		}
		return m
	case <-time.After(recvTimeout):
		t.Fatal("no message within", recvTimeout)
		return nil
	}
}

// none checks that nothing arrives for a short while.
func (s *subClient) none(t *testing.T, wait time.Duration) {
	t.Helper()
	select {
	case m := <-s.msgs:
		t.Fatalf("unexpected message %q", m)
	case <-time.After(wait):
	}
}

// clientLib names a SUB implementation and how to subscribe with it.
type clientLib struct {
	name string
	dial func(t *testing.T, endpoint string, topics ...string) *subClient
}

var clientLibs = []clientLib{
	{"gozmq", dialGozmq},
	{"zmq4", dialZmq4},
}

// dialGozmq subscribes with lightninglabs/gozmq, as lnd and btcwallet do:
// Receive returns a timeout-type error while it redials after EOF.
func dialGozmq(t *testing.T, endpoint string, topics ...string) *subClient {
	t.Helper()
	c, err := gozmq.Subscribe(endpoint, topics, time.Second)
	if err != nil {
		t.Fatalf("gozmq subscribe: %v", err)
	}
	s := &subClient{msgs: make(chan [][]byte, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.msgs)
		for {
			parts, err := c.Receive(nil)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if err != nil {
				return
			}
			s.msgs <- parts
		}
	}()
	s.close = func() {
		c.Close()
		// Drain so the reader is not blocked on a full channel.
		go func() {
			for range s.msgs {
			}
		}()
		<-done
	}
	t.Cleanup(s.close)
	return s
}

// dialZmq4 subscribes with go-zeromq/zmq4 with automatic reconnection.
func dialZmq4(t *testing.T, endpoint string, topics ...string) *subClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sock := zmq4.NewSub(ctx, zmq4.WithAutomaticReconnect(true),
		zmq4.WithDialerRetry(20*time.Millisecond), zmq4.WithDialerMaxRetries(-1))
	if err := sock.Dial(endpoint); err != nil {
		cancel()
		t.Fatalf("zmq4 dial: %v", err)
	}
	for _, topic := range topics {
		if err := sock.SetOption(zmq4.OptionSubscribe, topic); err != nil {
			cancel()
			t.Fatalf("zmq4 subscribe %q: %v", topic, err)
		}
	}
	s := &subClient{msgs: make(chan [][]byte, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.msgs)
		for {
			msg, err := sock.Recv()
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
				continue
			}
			s.msgs <- msg.Frames
		}
	}()
	s.close = func() {
		cancel()
		sock.Close()
		go func() {
			for range s.msgs {
			}
		}()
		<-done
	}
	t.Cleanup(s.close)
	return s
}
