//go:build soak

package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/sidecar/config"
	"github.com/atlasd/atlasd/sidecar/daemon"
	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/freshreplay"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/sidecar/internal/zmqpub"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// capturedLog keeps the daemon's JSON log lines so a soak can assert what it
// said during an outage.
type capturedLog struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (s *capturedLog) Write(p []byte) (int, error) {
	var l map[string]any
	if json.Unmarshal(p, &l) == nil {
		s.mu.Lock()
		s.lines = append(s.lines, l)
		s.mu.Unlock()
	}
	return len(p), nil
}

// mark returns a position to search from later.
func (s *capturedLog) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines)
}

// find returns the lines logged since mark whose message is msg.
func (s *capturedLog) find(since int, msg string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range s.lines[since:] {
		if l["message"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// runningDaemon is a daemon.Daemon run on a goroutine with its log kept.
type runningDaemon struct {
	*daemon.Daemon
	cfg  config.Config
	log  *capturedLog
	stop func()
}

// startLogged runs a daemon like start does, keeping its log in a capturedLog
// (and on stderr with ATLASD_TEST_LOG set).
func startLogged(t *testing.T, cfg config.Config) *runningDaemon {
	t.Helper()
	sink := &capturedLog{}
	var w io.Writer = sink
	if os.Getenv("ATLASD_TEST_LOG") != "" {
		w = zerolog.MultiLevelWriter(sink, zerolog.ConsoleWriter{Out: os.Stderr})
	}
	d, err := daemon.Open(cfg, zerolog.New(w).With().Timestamp().Logger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	var runErr error
	go func() {
		defer close(finished)
		runErr = d.Run(ctx)
		// Run returning on its own is a crash as far as a soak is concerned.
		if ctx.Err() == nil {
			t.Errorf("daemon stopped on its own: %v", runErr)
		}
	}()
	var once sync.Once
	rd := &runningDaemon{Daemon: d, cfg: cfg, log: sink}
	rd.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-finished:
				if runErr != nil {
					t.Errorf("Run: %v", runErr)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("daemon did not stop within 30s of cancel")
			}
			if err := d.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(rd.stop)
	deadline := time.Now().Add(30 * time.Second)
	for d.APIAddr() == "" {
		if time.Now().After(deadline) {
			t.Fatal("daemon API not listening after 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return rd
}

func (d *runningDaemon) base() string { return "http://" + d.APIAddr() }

// get fetches an API path and decodes its JSON body into out (if not nil),
// returning the status.
func (d *runningDaemon) get(path string, out any) (int, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(d.base() + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			return resp.StatusCode, fmt.Errorf("GET %s: %w", path, err)
		}
	}
	return resp.StatusCode, nil
}

// metric reads one counter or gauge from /metrics (0 if absent).
func (d *runningDaemon) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get(d.base() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var parser expfmt.TextParser
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	f := fams[name]
	if f == nil || len(f.Metric) == 0 {
		return 0
	}
	var sum float64
	for _, m := range f.Metric {
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		}
	}
	return sum
}

// servesWhileDown checks the API answers from the replay state while the
// node cannot: /v1/info at the height the replay had, a registered name,
// and /healthz. It returns how many requests were answered.
func (d *runningDaemon) servesWhileDown(t *testing.T, height int64, name string) int {
	t.Helper()
	var info map[string]any
	if code, err := d.get("/v1/info", &info); err != nil || code != 200 {
		t.Fatalf("/v1/info while the node is down: %d %v", code, err)
	}
	if info["last_block_processed"] != float64(height) {
		t.Fatalf("/v1/info while the node is down: %v, want height %d", info, height)
	}
	var rec map[string]any
	if code, err := d.get("/v1/names/"+name, &rec); err != nil || code != 200 {
		t.Fatalf("/v1/names/%s while the node is down: %d %v", name, code, err)
	}
	if code, err := d.get("/healthz", nil); err != nil || code != 200 {
		t.Fatalf("/healthz while the node is down: %d %v", code, err)
	}
	return 3
}

// bnsPlayer plays a BNS history on the node, quoting consensus hashes from
// the daemon's own replay as a wallet asking atlasd would, announcing
// mined blocks on a ZMQ publisher, and putting the zonefiles of its
// updates into the daemon's Atlas store once they are announced.
type bnsPlayer struct {
	t     *testing.T
	n     *regtest.Node
	b     *bnstx.Builder
	d     *runningDaemon
	pub   *zmqpub.Publisher
	quiet bool // blocks are not announced (publisher silent or away)

	owners    map[string]*regtest.Key
	names     []string
	zonefiles map[inventory.Hash][]byte // put into the daemon
	pending   [][]byte                  // updates sent, not yet mined
	serial    int
	ops       int
	blocks    int
}

func newBNSPlayer(t *testing.T, n *regtest.Node, d *runningDaemon, pub *zmqpub.Publisher) *bnsPlayer {
	p := params.Regtest()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	return &bnsPlayer{t: t, n: n, b: bnstx.New(n, net), d: d, pub: pub,
		owners: map[string]*regtest.Key{}, zonefiles: map[inventory.Hash][]byte{}}
}

// ch is the consensus hash of the daemon's tip.
func (p *bnsPlayer) ch() string {
	p.t.Helper()
	m := p.d.Machine()
	h, _ := m.Tip()
	c, ok := m.ConsensusHash(uint64(h))
	if !ok {
		p.t.Fatalf("no consensus hash at the daemon's tip %d", h)
	}
	return c
}

func (p *bnsPlayer) send(tb *regtest.TxBuilder, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := tb.Send(); err != nil {
		p.t.Fatal(err)
	}
	p.ops++
}

// mineQuiet mines k blocks and announces them (unless quiet) without
// waiting for the daemon.
func (p *bnsPlayer) mineQuiet(k int) []chainhash.Hash {
	p.t.Helper()
	hs, err := p.n.Generate(uint32(k))
	if err != nil {
		p.t.Fatal(err)
	}
	p.blocks += k
	if p.pub != nil && !p.quiet {
		for _, h := range hs {
			p.pub.HashBlock(h)
		}
	}
	return hs
}

// mine mines k blocks, waits until the daemon has applied them, and puts
// the zonefiles of the updates they hold.
func (p *bnsPlayer) mine(k int, within time.Duration) {
	p.t.Helper()
	p.mineQuiet(k)
	p.caughtUp(within)
}

// caughtUp waits for the daemon to reach the node's tip and puts pending
// zonefiles.
func (p *bnsPlayer) caughtUp(within time.Duration) {
	p.t.Helper()
	_, tip, err := p.n.BestBlock()
	if err != nil {
		p.t.Fatal(err)
	}
	waitHeight(p.t, p.d.Daemon, int64(tip), within)
	for _, zf := range p.pending {
		p.put(zf)
	}
	p.pending = nil
}

// put stores a zonefile through the REST API. The Atlas inventory learns
// of an announcement just after the block is applied, so a refusal is
// retried for a few seconds.
func (p *bnsPlayer) put(zf []byte) {
	p.t.Helper()
	body, _ := json.Marshal(map[string]string{"zonefile": string(zf)})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Post(p.d.base()+"/v1/zonefile", "application/json", bytes.NewReader(body))
		if err != nil {
			p.t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			p.zonefiles[inventory.HashOf(zf)] = zf
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("POST /v1/zonefile: %d %s", resp.StatusCode, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Mine and CH let bnstx's multi-block sequences drive the player.
func (p *bnsPlayer) Mine(k int) error { p.mine(k, 30*time.Second); return nil }
func (p *bnsPlayer) CH() string       { return p.ch() }

// launch preorders, reveals and readies ns.
func (p *bnsPlayer) launch(ns string) {
	p.t.Helper()
	if err := p.b.Launch(p, soakLaunch(ns)); err != nil {
		p.t.Fatal(err)
	}
	p.ops += 3
}

// register preorders and registers name for a new funded key.
func (p *bnsPlayer) register(name string) {
	p.t.Helper()
	keys, err := p.b.Register(p, btcutil.SatoshiPerBitcoin, name)
	if err != nil {
		p.t.Fatal(err)
	}
	p.ops += 2
	p.owners[name] = keys[0]
	p.names = append(p.names, name)
}

// soakLaunch is the namespace the daemon soaks launch: names that live
// long enough never to expire during a run.
func soakLaunch(ns string) bnstx.Launch {
	return bnstx.Launch{NS: ns, Fee: btcutil.SatoshiPerBitcoin, Rules: bnstx.CheapRules(100000),
		CreatorFunds: 5 * btcutil.SatoshiPerBitcoin, RevealerFunds: 5 * btcutil.SatoshiPerBitcoin}
}

// updates sends a NAME_UPDATE with a new zonefile for every name, quoting
// the daemon's tip; the zonefiles are put once the block is applied.
func (p *bnsPlayer) updates() {
	p.t.Helper()
	ch := p.ch()
	for _, name := range p.names {
		p.serial++
		zf := []byte(fmt.Sprintf("$ORIGIN %s\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.org/%s/%d\"\n", name, name, p.serial))
		p.send(p.b.NameUpdate(p.owners[name], name, ch, zf))
		p.pending = append(p.pending, zf)
	}
}

// checkZonefiles requires every zonefile put so far to be served back.
func (p *bnsPlayer) checkZonefiles() error {
	for h, zf := range p.zonefiles {
		resp, err := http.Get(p.d.base() + "/v1/zonefiles/" + h.String())
		if err != nil {
			return err
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, zf) {
			return fmt.Errorf("zonefile %s: %d %q, want the %d bytes put", h, resp.StatusCode, got, len(zf))
		}
	}
	return nil
}

// diffFreshReplay replays the node's chain from scratch and compares it with
// the daemon's replay.
func diffFreshReplay(t *testing.T, n *regtest.Node, got *state.Machine) error {
	t.Helper()
	_, err := freshreplay.Diff(n, params.Regtest(), got, t.TempDir())
	return err
}

// outageConfig is regtestConfig with a poll interval and a ZMQ publisher
// (if any). The RPC timeout stays at its default, as in production: the
// retries rpcclient makes on a refused connection (about 22 s) then end
// before it, and an outage is logged as the node being unreachable.
func outageConfig(t *testing.T, n *regtest.Node, pub *zmqpub.Publisher, poll time.Duration) config.Config {
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = poll
	cfg.Bitcoind.RPCConns = 4
	if pub != nil {
		cfg.Bitcoind.ZMQHashBlock = pub.Endpoint()
	}
	return cfg
}

// startOutageWorld starts a node (and a publisher), mines to the regtest first block,
// starts the daemon and plays a namespace and names with zonefiles.
func startOutageWorld(t *testing.T, withPub bool, poll time.Duration, ns string, names int) (*regtest.Node, *zmqpub.Publisher, *runningDaemon, *bnsPlayer) {
	t.Helper()
	n := regtest.Start(t)
	var pub *zmqpub.Publisher
	if withPub {
		pub = zmqpub.Start(t, "127.0.0.1:0")
	}
	if _, err := n.Generate(uint32(params.Regtest().FirstBlock - 1)); err != nil {
		t.Fatal(err)
	}
	d := startLogged(t, outageConfig(t, n, pub, poll))
	if pub != nil {
		pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, 10*time.Second)
	}
	pl := newBNSPlayer(t, n, d, pub)
	pl.caughtUp(30 * time.Second)
	pl.launch(ns)
	for i := 0; i < names; i++ {
		pl.register("n" + strconv.Itoa(i) + "." + ns)
	}
	pl.updates()
	pl.mine(1, 30*time.Second)
	return n, pub, d, pl
}

// soakInt and soakDuration read a count or a duration from the environment.
func soakInt(t *testing.T, key string, def int) int {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", key, v, err)
	}
	return n
}

func soakDuration(t *testing.T, key string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", key, v, err)
	}
	return d
}

// logErrHas reports whether a log line's error mentions s.
func logErrHas(l map[string]any, s string) bool {
	e, _ := l["error"].(string)
	return strings.Contains(e, s)
}
