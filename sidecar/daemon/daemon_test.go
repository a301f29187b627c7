package daemon_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/config"
	"github.com/atlasd/atlasd/sidecar/daemon"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/sidecar/internal/zmqpub"
)

func regtestConfig(t *testing.T, n *regtest.Node) config.Config {
	cfg := config.Default()
	cfg.Network = "regtest"
	cfg.DataDir = t.TempDir()
	cfg.Bitcoind.RPCHost = n.RPCHost()
	cfg.Bitcoind.RPCUser = n.RPCUser()
	cfg.Bitcoind.RPCPassword = n.RPCPass()
	cfg.Bitcoind.RPCCookie = ""
	cfg.API.Listen = "127.0.0.1:0"
	cfg.Atlas.Listen = "127.0.0.1:0"
	return cfg
}

// waitHeight waits until the daemon's replay reaches h.
func waitHeight(t *testing.T, d *daemon.Daemon, h int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, _ := d.Machine().Tip()
		if got == h {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replay at %d after %v, want %d", got, within, h)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func start(t *testing.T, cfg config.Config) (*daemon.Daemon, func()) {
	t.Helper()
	log := zerolog.Nop()
	if os.Getenv("ATLASD_TEST_LOG") != "" {
		log = zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).With().Timestamp().Logger()
	}
	d, err := daemon.Open(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := d.Run(ctx)
		if err != nil && ctx.Err() == nil {
			t.Errorf("daemon stopped on its own: %v", err)
		}
		done <- err
	}()
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("daemon did not stop within 20s of cancel")
		}
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	}
	return d, stop
}

// With a poll interval far longer than the test, only ZMQ wake-ups can
// bring the replay to the tip; a dropped notification is repaired by the
// next one, since every wake-up reconciles against RPC.
func TestZMQWakesFollower(t *testing.T) {
	n := regtest.Start(t)
	pub := zmqpub.Start(t, "127.0.0.1:0")
	hashes, err := n.Generate(260)
	if err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = time.Hour
	cfg.Bitcoind.ZMQHashBlock = pub.Endpoint()
	d, stop := start(t, cfg)
	defer stop()
	waitHeight(t, d, 260, 20*time.Second) // the first reconcile runs at start
	pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, 5*time.Second)

	mine := func(k int) []chainhash.Hash {
		hs, err := n.Generate(uint32(k))
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	hs := mine(1)
	pub.HashBlock(hs[0])
	waitHeight(t, d, 261, 10*time.Second)

	// Two notifications lost: the replay waits (no poll) ...
	pub.DropNext(2)
	hs = mine(2)
	pub.HashBlock(hs[0])
	pub.HashBlock(hs[1])
	time.Sleep(300 * time.Millisecond)
	if h, _ := d.Machine().Tip(); h != 261 {
		t.Fatalf("replay moved to %d without a notification", h)
	}
	// ... until the next one, whose reconcile also catches up the gap.
	hs = mine(1)
	pub.HashBlock(hs[0])
	waitHeight(t, d, 264, 10*time.Second)
	_ = hashes
}

func TestPollsWithoutZMQ(t *testing.T) {
	n := regtest.Start(t)
	if _, err := n.Generate(258); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = 200 * time.Millisecond
	d, stop := start(t, cfg)
	defer stop()
	waitHeight(t, d, 258, 20*time.Second)
	if _, err := n.Generate(3); err != nil {
		t.Fatal(err)
	}
	waitHeight(t, d, 261, 10*time.Second)

	// The REST API and the probes answer over real HTTP.
	base := "http://" + d.APIAddr()
	var info map[string]any
	getJSON(t, base+"/v1/info", 200, &info)
	if info["last_block_processed"] != float64(261) || info["network"] != "regtest" {
		t.Fatalf("/v1/info = %v", info)
	}
	ch, _ := d.Machine().ConsensusHash(261)
	var cons map[string]any
	getJSON(t, base+"/v1/blocks/261/consensus", 200, &cons)
	if cons["consensus_hash"] != ch {
		t.Fatalf("consensus %v, want %s", cons, ch)
	}
	getJSON(t, base+"/v1/blocks/9999/consensus", 404, nil)
	getJSON(t, base+"/v1/names/nobody.test", 404, nil)
	getJSON(t, base+"/v1/names/NOT..valid", 400, nil)
	getJSON(t, base+"/readyz", 200, nil)
	getJSON(t, base+"/healthz", 200, nil)
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var parser expfmt.TextParser
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	if g := fams["atlasd_chain_indexed_height"]; g == nil || g.Metric[0].GetGauge().GetValue() != 261 {
		t.Fatalf("atlasd_chain_indexed_height = %v", g)
	}
}

func getJSON(t *testing.T, url string, status int, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d %s, want %d", url, resp.StatusCode, body, status)
	}
	if !json.Valid(body) {
		t.Fatalf("GET %s: not JSON: %s", url, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRefusesWrongChain(t *testing.T) {
	n := regtest.Start(t)
	if _, err := n.Generate(1); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Network = "mainnet"
	d, err := daemon.Open(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = d.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), `chain "regtest"`) {
		t.Fatalf("Run = %v, want a wrong-chain error", err)
	}
}

// A node that is down at start is waited for, not fatal.
func TestWaitsForNode(t *testing.T) {
	n := regtest.Start(t)
	if _, err := n.Generate(257); err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = 200 * time.Millisecond
	cfg.Bitcoind.RPCTimeout = time.Second
	d, stop := start(t, cfg)
	defer stop()
	time.Sleep(1500 * time.Millisecond)
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	waitHeight(t, d, 257, 60*time.Second)
}

// The node going away mid-run and coming back is retried, not fatal, and
// the replay carries on from where it was.
func TestNodeRestartMidRun(t *testing.T) {
	n := regtest.Start(t)
	if _, err := n.Generate(258); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = 200 * time.Millisecond
	cfg.Bitcoind.RPCTimeout = time.Second
	d, stop := start(t, cfg)
	defer stop()
	waitHeight(t, d, 258, 20*time.Second)
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // several failed polls
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(2); err != nil {
		t.Fatal(err)
	}
	waitHeight(t, d, 260, 60*time.Second)
}

// A restarted ZMQ publisher (bitcoind restarting, counters back at 0) is
// reconnected to and its notifications wake the follower again.
func TestZMQPublisherRestart(t *testing.T) {
	n := regtest.Start(t)
	pub := zmqpub.Start(t, "127.0.0.1:0")
	if _, err := n.Generate(257); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = time.Hour
	cfg.Bitcoind.ZMQHashBlock = pub.Endpoint()
	d, stop := start(t, cfg)
	defer stop()
	waitHeight(t, d, 257, 20*time.Second)
	pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, 5*time.Second)
	if err := pub.Restart(); err != nil {
		t.Fatal(err)
	}
	pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, 10*time.Second)
	hs, err := n.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	pub.HashBlock(hs[0])
	waitHeight(t, d, 258, 10*time.Second)
}
