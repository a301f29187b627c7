package devnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/config"
	"github.com/atlasd/atlasd/sidecar/daemon"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// Options tune a devnet.
type Options struct {
	// DataDir holds btcd's and atlasd's data; it is emptied at start,
	// since btcd's regtest chain starts over at every launch.
	DataDir string
	// Interval is how often a new block with new operations is mined.
	Interval time.Duration
	// Blocks stops the devnet after that many extra blocks (0: run until
	// the context ends). Tests use it.
	Blocks int
	// Namespace is the namespace the script creates.
	Namespace string
	// APIListen is the REST API's address (default 127.0.0.1:6270).
	APIListen string
	// AtlasListen is the Atlas peer's address (default 127.0.0.1:16264,
	// v1's test-network port, so a mainnet peer on 6264 is left alone).
	AtlasListen string
	// Peers is how many extra atlasd peers follow the same node and
	// replicate zonefiles from the first (devnet --peers).
	Peers int
	// Out receives the human summary.
	Out    io.Writer
	Logger zerolog.Logger
}

// Summary is the devnet's state as printed.
type Summary struct {
	// API is the REST API's address.
	API           string
	Height        int64
	ConsensusHash string
	Names         int
	Zonefiles     int
	// Present counts the played zonefiles the Atlas peer holds, and
	// PeersPresent how many each extra peer holds.
	Present      int
	PeersPresent []int
}

// Run starts the devnet and plays until ctx ends (or Blocks are mined).
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Namespace == "" {
		o.Namespace = "devnet"
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if err := os.RemoveAll(o.DataDir); err != nil {
		return nil, fmt.Errorf("devnet: clear %s: %w", o.DataDir, err)
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("devnet: %w", err)
	}
	e := &env{dir: filepath.Join(o.DataDir, "btcd"), log: o.Logger.With().Str("component", "btcd").Logger()}
	defer e.close()
	n, err := regtest.Launch(e)
	if err != nil {
		return nil, fmt.Errorf("devnet: start btcd: %w", err)
	}
	p := params.Regtest()
	if _, err := n.Generate(uint32(p.FirstBlock - 1)); err != nil {
		return nil, err
	}

	cfg := config.Default()
	cfg.Network = "regtest"
	cfg.DataDir = filepath.Join(o.DataDir, "atlasd")
	cfg.Bitcoind.RPCHost = n.RPCHost()
	cfg.Bitcoind.RPCUser = n.RPCUser()
	cfg.Bitcoind.RPCPassword = n.RPCPass()
	cfg.Bitcoind.RPCCookie = ""
	cfg.Bitcoind.PollInterval = time.Second
	if o.APIListen != "" {
		cfg.API.Listen = o.APIListen
	}
	cfg.Atlas.Listen = "127.0.0.1:16264"
	if o.AtlasListen != "" {
		cfg.Atlas.Listen = o.AtlasListen
	}
	d, err := daemon.Open(cfg, o.Logger)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var runErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		runErr = d.Run(runCtx)
		cancel()
	}()
	defer func() {
		cancel()
		wg.Wait()
	}()

	peers, err := startPeers(runCtx, &wg, cfg, o, d)
	if err != nil {
		return nil, err
	}
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	pl := NewPlayer(n, net, d, o.Namespace).p
	pl.peers = peers
	fmt.Fprintf(o.Out, "devnet: btcd regtest at %s (user %s), data in %s\n", n.RPCHost(), n.RPCUser(), o.DataDir)
	if err := pl.script(runCtx); err != nil {
		if runErr != nil {
			return nil, runErr
		}
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, fmt.Errorf("devnet: script: %w", err)
	}
	s := pl.summary()
	fmt.Fprintf(o.Out, "devnet: scripted history played: %s\n", s)
	if a := d.AtlasAddr(); a != "" {
		fmt.Fprintf(o.Out, "devnet: Atlas peer %s  (v1 XML-RPC: getinfo, get_zonefile_inventory, get_zonefiles, ...)\n", a)
	}
	if a := d.APIAddr(); a != "" {
		fmt.Fprintf(o.Out, "devnet: REST API  http://%s/v1/info  (try /v1/names/alice.%s, /v1/namespaces, /metrics)\n", a, o.Namespace)
	}
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	for i := 0; o.Blocks == 0 || i < o.Blocks; i++ {
		select {
		case <-runCtx.Done():
			return pl.summaryPtr(), runErr
		case <-tick.C:
		}
		if err := pl.step(runCtx, i); err != nil {
			if errors.Is(err, context.Canceled) {
				return pl.summaryPtr(), runErr
			}
			return nil, err
		}
		fmt.Fprintf(o.Out, "devnet: %s\n", pl.summary())
	}
	return pl.summaryPtr(), nil
}

// step adds one block of activity: a new name every other block, zonefile
// updates in between.
func (p *player) step(ctx context.Context, i int) error {
	if i%2 == 0 {
		return p.register(ctx, "user"+strconv.Itoa(i/2))
	}
	for name := range p.owners {
		if err := p.update(name); err != nil {
			return fmt.Errorf("update %s: %w", name, err)
		}
		break
	}
	return p.mine(ctx, 1)
}

func (p *player) summaryPtr() *Summary { s := p.summary(); return &s }

func (p *player) summary() Summary {
	m := p.d.Machine()
	h, _ := m.Tip()
	ch, _ := m.ConsensusHash(uint64(h))
	present := 0
	for hash := range p.zonefiles {
		if p.d.ZonefileHeld(hash) {
			present++
		}
	}
	var onPeers []int
	for _, q := range p.peers {
		held := 0
		for hash := range p.zonefiles {
			if q.ZonefileHeld(hash) {
				held++
			}
		}
		onPeers = append(onPeers, held)
	}
	return Summary{API: p.d.APIAddr(), Height: h, ConsensusHash: ch, Names: len(p.owners), Zonefiles: int(m.Slots()), Present: present, PeersPresent: onPeers}
}

func (s Summary) String() string {
	out := fmt.Sprintf("height %d, consensus hash %s, %d live names, %d zonefiles announced, %d held by the Atlas peer",
		s.Height, s.ConsensusHash, s.Names, s.Zonefiles, s.Present)
	if len(s.PeersPresent) > 0 {
		out += fmt.Sprintf(" (extra peers hold %v)", s.PeersPresent)
	}
	return out
}

// startPeers runs o.Peers more daemons on the same node, each with its own
// data directory and Atlas port, seeded with the first peer.
func startPeers(ctx context.Context, wg *sync.WaitGroup, base config.Config, o Options, first *daemon.Daemon) ([]*daemon.Daemon, error) {
	if o.Peers <= 0 {
		return nil, nil
	}
	var seed string
	for deadline := time.Now().Add(30 * time.Second); seed == ""; time.Sleep(20 * time.Millisecond) {
		if seed = first.AtlasAddr(); seed == "" && time.Now().After(deadline) {
			return nil, errors.New("devnet: the first Atlas peer did not start")
		}
	}
	var out []*daemon.Daemon
	for i := 0; i < o.Peers; i++ {
		cfg := base
		cfg.DataDir = filepath.Join(o.DataDir, fmt.Sprintf("peer-%d", i+1))
		cfg.Atlas.Listen = "127.0.0.1:0"
		cfg.API.Listen = "127.0.0.1:0"
		cfg.Atlas.Seeds = []string{seed}
		d, err := daemon.Open(cfg, o.Logger.With().Int("peer", i+1).Logger())
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Run(ctx); err != nil {
				o.Logger.Error().Err(err).Int("peer", i+1).Msg("devnet peer stopped")
			}
			d.Close()
		}()
		for deadline := time.Now().Add(30 * time.Second); d.AtlasAddr() == "" || d.APIAddr() == ""; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("devnet: peer %d did not start", i+1)
			}
		}
		fmt.Fprintf(o.Out, "devnet: peer %d: Atlas %s, REST API http://%s/v1/info\n", i+1, d.AtlasAddr(), d.APIAddr())
		out = append(out, d)
	}
	return out, nil
}
