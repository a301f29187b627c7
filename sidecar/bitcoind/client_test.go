package bitcoind_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
)

func dial(t *testing.T, cfg bitcoind.Config) *bitcoind.Client {
	t.Helper()
	c, err := bitcoind.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestConfigRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  bitcoind.Config
		want string
	}{
		{"no host", bitcoind.Config{Pass: "x"}, "no RPC host"},
		{"bad host", bitcoind.Config{Host: "localhost", Pass: "x"}, "want host:port"},
		{"no credentials", bitcoind.Config{Host: "127.0.0.1:8332"}, "no credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bitcoind.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAgainstBtcd(t *testing.T) {
	n := regtest.Start(t)
	if _, err := n.Generate(3); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("password", func(t *testing.T) {
		c := dial(t, bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass()})
		h, tip, err := c.Tip(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if h != 3 {
			t.Fatalf("height %d, want 3", h)
		}
		got, err := c.BlockHash(ctx, 3)
		if err != nil || got != tip {
			t.Fatalf("getblockhash 3 = %s, %v; tip %s", got, err, tip)
		}
		raw, err := c.RawBlock(ctx, tip)
		if err != nil {
			t.Fatal(err)
		}
		var blk wire.MsgBlock
		if err := blk.Deserialize(bytes.NewReader(raw)); err != nil || blk.BlockHash() != tip {
			t.Fatalf("raw block decodes to %s (%v), want %s", blk.BlockHash(), err, tip)
		}
		outs, err := c.TxOutputs(ctx, blk.Transactions[0].TxHash())
		if err != nil || len(outs) != len(blk.Transactions[0].TxOut) {
			t.Fatalf("TxOutputs: %v, %d outputs", err, len(outs))
		}
		mode, err := c.DetectPrevouts(ctx)
		if err != nil || mode != bitcoind.PrevoutsTxIndex {
			t.Fatalf("DetectPrevouts = %v, %v; want txindex mode on btcd --txindex", mode, err)
		}
	})

	t.Run("cookie", func(t *testing.T) {
		c := dial(t, bitcoind.Config{Host: n.RPCHost(), CookieFile: n.CookiePath()})
		if _, _, err := c.Tip(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("above tip", func(t *testing.T) {
		c := dial(t, bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass()})
		_, err := c.BlockHash(ctx, 1000)
		if !bitcoind.IsHeightOutOfRange(err) || bitcoind.Retryable(err) {
			t.Fatalf("getblockhash above tip: %v", err)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		c := dial(t, bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: "not-the-password"})
		_, _, err := c.Tip(ctx)
		var e *bitcoind.Error
		if !errors.As(err, &e) || e.Kind != bitcoind.KindUnauthorized {
			t.Fatalf("err = %v, want unauthorized", err)
		}
		if strings.Contains(err.Error(), "not-the-password") {
			t.Fatal("error text leaks the password")
		}
	})

	t.Run("bad cookie", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), ".cookie")
		if err := os.WriteFile(p, []byte("__cookie__:wrong"), 0o600); err != nil {
			t.Fatal(err)
		}
		c := dial(t, bitcoind.Config{Host: n.RPCHost(), CookieFile: p})
		_, _, err := c.Tip(ctx)
		var e *bitcoind.Error
		if !errors.As(err, &e) || e.Kind != bitcoind.KindUnauthorized {
			t.Fatalf("err = %v, want unauthorized", err)
		}
	})

	t.Run("paused node times out", func(t *testing.T) {
		c := dial(t, bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass(), Timeout: 300 * time.Millisecond, Conns: 2})
		if err := n.Pause(); err != nil {
			t.Fatal(err)
		}
		defer n.Resume()
		for i := 0; i < 5; i++ {
			start := time.Now()
			_, _, err := c.Tip(ctx)
			if !bitcoind.Retryable(err) {
				t.Fatalf("call %d on a paused node: %v, want a retryable timeout", i, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("call %d took %v with a 300ms timeout", i, d)
			}
		}
		if err := n.Resume(); err != nil {
			t.Fatal(err)
		}
		// The connections stuck on the paused node come back to the pool.
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, _, err := c.Tip(ctx)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("client did not recover after resume: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func TestDetectWithoutTxIndex(t *testing.T) {
	n := regtest.Start(t, regtest.NoTxIndex)
	if _, err := n.Generate(2); err != nil {
		t.Fatal(err)
	}
	c := dial(t, bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass()})
	_, err := c.DetectPrevouts(context.Background())
	if !errors.Is(err, bitcoind.ErrNoPrevoutSource) || !strings.Contains(err.Error(), "txindex=1") {
		t.Fatalf("err = %v, want ErrNoPrevoutSource naming txindex=1", err)
	}
}

func TestDetectBeforeFirstBlock(t *testing.T) {
	n := regtest.Start(t)
	c := dial(t, bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass()})
	_, err := c.DetectPrevouts(context.Background())
	if !bitcoind.Retryable(err) {
		t.Fatalf("err = %v, want retryable (no blocks yet)", err)
	}
}
