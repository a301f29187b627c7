package bitcoind_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
)

// rpcclient retries a refused connection for about 22 s before it reports
// anything; a stopped node must be reported as unreachable well before
// that, and well before the call's own 30 s deadline.
const reportWithin = 8 * time.Second

func wantUnreachable(t *testing.T, err error, took time.Duration) {
	t.Helper()
	var e *bitcoind.Error
	if !errors.As(err, &e) || e.Kind != bitcoind.KindUnreachable {
		t.Fatalf("err = %v, want node unreachable", err)
	}
	if !bitcoind.Retryable(err) {
		t.Fatalf("%v is not retryable", err)
	}
	if took > reportWithin {
		t.Fatalf("refusal reported after %v, want under %v", took, reportWithin)
	}
}

func TestNothingListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := dial(t, bitcoind.Config{Host: addr, User: "u", Pass: "p", Timeout: 30 * time.Second, Conns: 1})
	for i := 0; i < 3; i++ {
		start := time.Now()
		_, err := c.ChainInfo(context.Background())
		wantUnreachable(t, err, time.Since(start))
	}
}

func TestStoppedNodeThenBack(t *testing.T) {
	n := regtest.Start(t)
	c := dial(t, bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass(), Timeout: 30 * time.Second, Conns: 2})
	ctx := context.Background()
	if _, err := c.ChainInfo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	// More calls than connections: the later ones find every connection
	// still inside rpcclient's retries and must not wait them out.
	for i := 0; i < 4; i++ {
		start := time.Now()
		_, err := c.ChainInfo(ctx)
		wantUnreachable(t, err, time.Since(start))
	}
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(40 * time.Second)
	for {
		_, err := c.ChainInfo(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client did not recover after the node came back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
