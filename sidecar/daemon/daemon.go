package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/plugin/backup"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/config"
	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/sidecar/metrics"
	"github.com/atlasd/atlasd/sidecar/zmqsub"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// Daemon is one running atlasd.
type Daemon struct {
	cfg  config.Config
	log  zerolog.Logger
	p    *params.Params
	dir  string // per-network data directory
	node *bitcoind.Client

	mu sync.Mutex // guards m and readOnly across a rebuild or reopen, f, zmq and apiAddr
	m  *state.Machine
	// readOnly: m was opened read-only, at a start with the disk too full
	// to open it for writing.
	readOnly bool
	guard    *diskGuard
	f        *follow.Follower
	zmq      *zmqsub.Subscriber
	apiAddr  string
	metrics  *metrics.Metrics
	atlas    *service.Service
	backup   *backup.Manager

	atlasKick chan struct{}
}

// Params returns the network rules cfg selects.
func Params(cfg config.Config) (*params.Params, error) {
	if cfg.ParamsFile != "" {
		return params.Load(expand(cfg.ParamsFile))
	}
	switch cfg.Network {
	case "mainnet", "":
		return params.Mainnet(), nil
	case "regtest":
		return params.Regtest(), nil
	}
	return nil, fmt.Errorf("config: network %q: want mainnet or regtest, or set params_file", cfg.Network)
}

// StateDir is where the replay state of cfg's network lives.
func StateDir(cfg config.Config, p *params.Params) string {
	return filepath.Join(expand(cfg.DataDir), p.Network, "state")
}

// Open prepares the daemon: data directory, replay state and RPC client.
// It does not contact the node.
func Open(cfg config.Config, log zerolog.Logger) (*Daemon, error) {
	return open(cfg, log, nil, nil)
}

// open is Open with, for tests, the disk guard's view of free space and
// the file system under the stores replaced when not nil.
func open(cfg config.Config, log zerolog.Logger, free func(dir string) (uint64, error), base vfs.FS) (*Daemon, error) {
	p, err := Params(cfg)
	if err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, log: log, p: p, dir: filepath.Join(expand(cfg.DataDir), p.Network), atlasKick: make(chan struct{}, 1)}
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return nil, fmt.Errorf("daemon: data directory: %w", err)
	}
	d.guard = newDiskGuard(d.dir, cfg.Storage.MinFreeMiB, log.With().Str("component", "disk").Logger())
	if free != nil {
		d.guard.free, d.guard.poll = free, 50*time.Millisecond
	}
	if base != nil {
		d.guard.base = base
	}
	if err := d.openInitial(); err != nil {
		return nil, err
	}
	return d.finishOpen()
}

// openInitial opens the replay state; with the disk below the reserve it
// opens an existing state read-only (Run reopens it once there is room),
// since opening for writing replays the log into a new table.
func (d *Daemon) openInitial() error {
	var err error
	if d.guard.refresh() {
		d.m, err = d.openState(false)
		return err
	}
	if !d.stateExists() {
		return fmt.Errorf("%w: %s has %d MiB free, below storage.min_free_mib (%d MiB); free space and start again",
			errDiskLow, d.dir, d.guard.freeBytes.Load()>>20, d.cfg.Storage.MinFreeMiB)
	}
	if d.m, err = d.openState(true); err != nil {
		return err
	}
	d.readOnly = true
	d.log.Warn().Msg("replay state opened read-only until there is disk space; reads are served meanwhile")
	return nil
}

// finishOpen builds what Open needs beyond the replay state.
func (d *Daemon) finishOpen() (*Daemon, error) {
	cfg := d.cfg
	var err error
	if d.metrics, err = d.newMetrics(); err != nil {
		d.m.Close()
		return nil, err
	}
	d.node, err = bitcoind.New(bitcoind.Config{
		Host:       cfg.Bitcoind.RPCHost,
		User:       cfg.Bitcoind.RPCUser,
		Pass:       cfg.Bitcoind.RPCPassword,
		CookieFile: expand(cfg.Bitcoind.RPCCookie),
		Timeout:    cfg.Bitcoind.RPCTimeout,
		Conns:      cfg.Bitcoind.RPCConns,
		Observe: func(method string, took time.Duration, err error) {
			if m := d.metrics; m != nil {
				kind := ""
				var be *bitcoind.Error
				if errors.As(err, &be) {
					kind = strings.ReplaceAll(be.Kind.String(), " ", "_")
				} else if err != nil {
					kind = "other"
				}
				m.ObserveRPC(method, took, kind)
			}
		},
	})
	if err != nil {
		d.m.Close()
		return nil, err
	}
	return d, nil
}

func (d *Daemon) openState(readOnly bool) (*state.Machine, error) {
	m, err := state.Open(StateDir(d.cfg, d.p), d.p, state.Options{
		UndoWindow:   d.cfg.Replay.UndoWindow,
		Logger:       d.log.With().Str("component", "state").Logger(),
		TokenGenesis: expand(d.cfg.Replay.TokenGenesis),
		FS:           d.guard.fs(),
		ReadOnly:     readOnly,
	})
	if err != nil && strings.Contains(err.Error(), "lock") {
		return nil, fmt.Errorf("%w (is another atlasd running on %s?)", err, d.dir)
	}
	return m, err
}

// readOnlyState reports whether the replay state is open read-only.
func (d *Daemon) readOnlyState() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.readOnly
}

// Machine returns the replay state.
func (d *Daemon) Machine() *state.Machine {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m
}

// Wake asks the follower to reconcile with the node now (the devnet calls
// it after mining). It does nothing before Run has started the follower.
func (d *Daemon) Wake() {
	if f := d.follower(); f != nil {
		f.Wake()
	}
}

func (d *Daemon) follower() *follow.Follower {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.f
}

// FollowStats returns the follower's counters, nil before Run starts it.
func (d *Daemon) FollowStats() *follow.Stats {
	if f := d.follower(); f != nil {
		return f.Stats()
	}
	return nil
}

// Close releases the replay state and the RPC client.
func (d *Daemon) Close() error {
	d.node.Close()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m.Close()
}

// chainNames maps params network names to getblockchaininfo's chain.
var chainNames = map[string]string{"mainnet": "main", "testnet": "test", "regtest": "regtest", "signet": "signet"}

// Run follows the node until ctx ends or a fatal error.
func (d *Daemon) Run(ctx context.Context) error {
	// Every goroutine below ends with ctx: cancel, then wait.
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.guard.run(ctx)
	}()
	apiUp := false
	if d.readOnlyState() {
		// Reads are served while the disk is too full to write.
		if err := d.serveAPI(ctx, &wg); err != nil {
			return err
		}
		apiUp = true
		if err := d.openForWriting(ctx); err != nil {
			return nil // ctx ended
		}
	}
	mode, err := d.startup(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	f := follow.New(d.node, guardedReplay{d, ctx}, follow.Config{
		Network:    nameop.Network{Magic: d.p.Magic, P2PKHVersion: d.p.P2PKHVersion, P2SHVersion: d.p.P2SHVersion},
		FirstBlock: d.p.FirstBlock,
		UndoWindow: d.cfg.Replay.UndoWindow,
		Prevouts:   mode,
		Fetchers:   d.cfg.Bitcoind.RPCConns,
		Poll:       d.cfg.Bitcoind.PollInterval,
		Rebuild:    d.rebuildFunc(ctx),
		OnReorg:    func(depth int64) { d.metrics.ObserveReorg(int(depth)) },
		OnApply:    func(*state.Result, chainhash.Hash) { d.kickAtlas() },
		OnRollback: func(uint64) { d.kickAtlas() },
		Logger:     d.log.With().Str("component", "follow").Logger(),
	})
	d.mu.Lock()
	d.f = f
	d.mu.Unlock()
	if err := d.startAtlas(ctx, &wg); err != nil {
		return err
	}
	if !apiUp {
		if err := d.serveAPI(ctx, &wg); err != nil {
			return err
		}
	}
	if err := d.startZMQ(ctx, &wg); err != nil {
		return err
	}
	err = f.Run(ctx)
	cancel()
	wg.Wait()
	h, _ := d.Machine().Tip()
	d.log.Info().Int64("height", h).Msg("follower stopped at a block boundary")
	return err
}

// startup waits for the node to answer, checks it runs our network and
// picks the prevout mode, retrying transient failures.
func (d *Daemon) startup(ctx context.Context) (bitcoind.PrevoutMode, error) {
	backoff := time.Second
	for {
		mode, err := d.check(ctx)
		if err == nil {
			d.log.Info().Str("prevouts", mode.String()).Str("rpc", d.cfg.Bitcoind.RPCHost).Msg("connected to the node")
			return mode, nil
		}
		if !bitcoind.Retryable(err) {
			return 0, err
		}
		d.log.Warn().Err(err).Dur("retry_in", backoff).Msg("waiting for the node")
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(backoff):
		}
		if backoff < 30*time.Second {
			backoff *= 2
		}
	}
}

func (d *Daemon) check(ctx context.Context) (bitcoind.PrevoutMode, error) {
	ci, err := d.node.ChainInfo(ctx)
	if err != nil {
		return 0, err
	}
	if want, ok := chainNames[d.p.Network]; ok && ci.Chain != want {
		return 0, fmt.Errorf("daemon: the node at %s runs chain %q but atlasd is configured for %s; fix bitcoind.rpc_host or network",
			d.cfg.Bitcoind.RPCHost, ci.Chain, d.p.Network)
	}
	return d.node.DetectPrevouts(ctx)
}

// rebuildFunc returns the follower's Rebuild hook when auto_rebuild is on.
func (d *Daemon) rebuildFunc(ctx context.Context) func() (follow.Replay, error) {
	if !d.cfg.Replay.AutoRebuild {
		return nil
	}
	return func() (follow.Replay, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if err := d.m.Close(); err != nil {
			return nil, err
		}
		if err := os.RemoveAll(StateDir(d.cfg, d.p)); err != nil {
			return nil, err
		}
		m, err := d.openState(false)
		if err != nil {
			return nil, err
		}
		d.m = m
		return guardedReplay{d, ctx}, nil
	}
}

// startZMQ subscribes to the configured ZMQ endpoints; every event and
// every suspected loss wakes the follower.
func (d *Daemon) startZMQ(ctx context.Context, wg *sync.WaitGroup) error {
	if d.cfg.Bitcoind.ZMQHashBlock == "" && d.cfg.Bitcoind.ZMQSequence == "" {
		d.log.Info().Dur("poll", d.cfg.Bitcoind.PollInterval).Msg("no ZMQ endpoints configured; polling only")
		return nil
	}
	sub, err := zmqsub.New(zmqsub.Config{
		HashBlock: d.cfg.Bitcoind.ZMQHashBlock,
		Sequence:  d.cfg.Bitcoind.ZMQSequence,
		Logger:    d.log.With().Str("component", "zmq").Logger(),
	})
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.zmq = sub
	d.mu.Unlock()
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := sub.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Error().Err(err).Msg("ZMQ subscriber stopped; polling only")
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-sub.Events():
				d.Wake()
			case <-sub.Missed():
				d.Wake()
			}
		}
	}()
	return nil
}

// expand replaces a leading ~ with the home directory.
func expand(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
