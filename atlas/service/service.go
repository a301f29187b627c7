package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/replicate"
	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// StoreDir is the folder of the zonefile store inside the data directory.
const StoreDir = "zonefiles"

// forkWindow is how far below our tip a peer's consensus hash may be and
// still pass admission: v1 knew the hashes from 24 blocks below its tip
// at start-up on (get_valid_transaction_window). A peer further behind is
// refused as v1 refused it, and admitted once it has caught up; the fork
// re-check of members accepts any of our hashes, so a neighbour that
// merely falls behind for a while is not dropped.
const forkWindow = 24

// Errors of the service's life cycle.
var (
	// ErrRunning reports a second Run, or a Close while Run is running.
	ErrRunning = errors.New("service: running or already ran")
	// ErrClosed reports a Run or Close after Close.
	ErrClosed = errors.New("service: closed")
)

// Service is one Atlas peer. Create it with Open, run it with Run, and
// release it with Close once Run has returned.
type Service struct {
	cfg   Config
	log   zerolog.Logger
	chain node.Chain
	self  string

	ln        net.Listener
	store     *zonestore.DB
	core      *node.Core
	transport *http.Transport
	dialer    *peers.Dialer
	table     *peers.Table
	crawler   *peers.Crawler
	repl      *replicate.Replicator
	rpc       *v1rpc.Server
	clock     refreshClock

	// kickRepl and kickCrawl wake the loops early; a pending kick is
	// enough, so they hold one.
	kickRepl  chan struct{}
	kickCrawl chan struct{}
	// newSlots is set by SyncChain when announcements arrived whose
	// zonefiles we lack: every neighbour's inventory is read again.
	newSlots atomic.Bool
	// pushQ holds zonefiles that became present, for the pusher.
	pushQ chan inventory.Hash

	fetched fetchBuffer
	stats   counters
	// bg is Run's context without its cancellation, for writes that must
	// complete once begun; set before the loops start.
	bg context.Context

	// mu guards the life-cycle flags. ran stays set: the listener goes
	// with the server, so Run cannot serve twice.
	mu      sync.Mutex
	running bool
	ran     bool
	closed  bool
}

// Open builds a peer following chain, with its zonefile store in
// dir/StoreDir (dir is created 0700 if missing), and binds its listener.
// Nothing talks to the network until Run.
func Open(ctx context.Context, chain node.Chain, dir string, cfg Config) (*Service, error) {
	if chain == nil || dir == "" {
		return nil, fmt.Errorf("%w: Open needs a chain and a data directory", ErrConfig)
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("service: data directory: %w", err)
	}
	s := &Service{
		cfg:       cfg,
		log:       cfg.Logger.With().Str("component", "atlas").Logger(),
		chain:     chain,
		kickRepl:  make(chan struct{}, 1),
		kickCrawl: make(chan struct{}, 1),
		pushQ:     make(chan inventory.Hash, replicate.MaxQueuedPush),
	}
	s.clock.step = cfg.RefreshInterval
	s.stats.refused = make(map[string]uint64)
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return nil, fmt.Errorf("service: listen: %w", err)
		}
	}
	s.ln = ln
	if err := s.build(ctx, dir); err != nil {
		_ = ln.Close()
		if s.store != nil {
			_ = s.store.Close()
		}
		return nil, err
	}
	return s, nil
}

// build makes the parts; Open closes what it opened if this fails.
func (s *Service) build(ctx context.Context, dir string) error {
	var err error
	if s.self, err = selfAddress(s.cfg.Hostname, s.ln.Addr()); err != nil {
		return err
	}
	_, portStr, _ := net.SplitHostPort(s.self)
	port, _ := strconv.Atoi(portStr)
	storeOpts := s.cfg.Store
	storeOpts.Logger = s.cfg.Logger.With().Str("component", "zonestore").Logger()
	if s.store, err = zonestore.Open(filepath.Join(dir, StoreDir), storeOpts); err != nil {
		return err
	}
	if s.core, err = node.Open(ctx, s.chain, s.store, node.Options{
		Logger: s.cfg.Logger.With().Str("component", "atlas-node").Logger(),
		Notify: s.onEvent,
	}); err != nil {
		return err
	}
	s.transport = &http.Transport{
		DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		// One fetch, one push and one probe may be in flight to the same
		// peer; more idle connections than that are never reused.
		MaxIdleConnsPerHost: 4,
		MaxIdleConns:        256,
		IdleConnTimeout:     90 * time.Second,
	}
	s.dialer = &peers.Dialer{Config: peers.ClientConfig{Transport: s.transport}}
	if s.table, err = peers.New(peers.Config{
		Self:           s.self,
		RPCPort:        port,
		Seeds:          s.cfg.Seeds,
		Blacklist:      s.cfg.Blacklist,
		Testnet:        s.cfg.Testnet,
		Height:         s.height,
		KnownConsensus: s.knownConsensus,
		Prober:         s.dialer,
	}); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s.crawler = peers.NewCrawler(s.table, s.dialer)
	if s.repl, err = replicate.New(replicate.Config{
		Peers:           s.table,
		Dial:            replicate.DialPeers(s.dialer),
		Store:           s.storeFetched,
		InventoryBits:   s.core.Len,
		Now:             s.clock.Now,
		RefreshInterval: s.cfg.RefreshInterval,
		Concurrency:     s.cfg.Concurrency,
		MaxStrikes:      s.cfg.MaxStrikes,
	}); err != nil {
		return err
	}
	testnet := ""
	if s.cfg.Testnet {
		testnet = "true"
	}
	s.rpc, err = v1rpc.New(v1rpc.Config{
		Core:       s.core,
		Peers:      kickingPeers{s.table.ServerPeers(), s.kickCrawl},
		Version:    s.cfg.Version,
		FirstBlock: s.cfg.FirstBlock,
		RPCPort:    port,
		Testnet:    testnet,
		BlockCount: s.cfg.BlockCount,
		Indexing:   s.cfg.Indexing,
		Limits:     s.cfg.Limits,
		Logger:     s.cfg.Logger.With().Str("component", "atlas-rpc").Logger(),
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

// selfAddress is Hostname, or the bound address with a loopback host in
// place of an unspecified one, in canonical form.
func selfAddress(hostname string, bound net.Addr) (string, error) {
	hp := hostname
	if hp == "" {
		host, port, err := net.SplitHostPort(bound.String())
		if err != nil {
			return "", fmt.Errorf("%w: listener address %s: %w", ErrConfig, bound, err)
		}
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
			host = "127.0.0.1"
		}
		hp = net.JoinHostPort(host, port)
	}
	c, err := peers.Canonical(hp)
	if err != nil {
		return "", fmt.Errorf("%w: hostname: %w", ErrConfig, err)
	}
	return c, nil
}

// height is the peer table's view of our chain: -1 until a block is
// processed, which skips the fork-set check.
func (s *Service) height() int64 {
	if last := s.chain.LastBlock(); last >= s.cfg.FirstBlock {
		return last
	}
	return -1
}

// knownConsensus is the fork-set check's question: is hash ours, at a
// height a peer at or behind us could be reporting?
func (s *Service) knownConsensus(hash string) bool {
	h, ok, err := s.chain.BlockOfConsensus(hash)
	return err == nil && ok && h >= s.chain.LastBlock()-forkWindow
}

// Close releases the listener (if Run never ran) and the store. Call it
// after Run has returned.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return ErrRunning
	}
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	// Run closes the listener through the HTTP server; closing it again
	// only reports that.
	_ = s.ln.Close()
	s.transport.CloseIdleConnections()
	return s.store.Close()
}

// SyncChain brings the inventory up to the chain (node.Core.Sync): call it
// after every block the chain applies or rolls back. When the block
// announced zonefiles we lack, replication re-reads the neighbours'
// inventories at once instead of waiting for the refresh interval.
func (s *Service) SyncChain(ctx context.Context) (node.SyncResult, error) {
	res, err := s.core.Sync(ctx)
	if err != nil {
		return res, err
	}
	if res.Added > 0 && len(s.core.MissingHashes(1)) > 0 {
		s.newSlots.Store(true)
		kick(s.kickRepl)
	}
	return res, nil
}

// Put offers zonefiles for storage, as put_zonefiles does (see
// node.Core.Put): those the chain announced are stored, and each newly
// stored one is pushed to the neighbours that lack it.
func (s *Service) Put(ctx context.Context, zonefiles [][]byte) ([]node.PutStatus, error) {
	return s.core.Put(ctx, zonefiles)
}

// Core returns the node, for reading zonefiles and the inventory.
func (s *Service) Core() *node.Core { return s.core }

// Addr returns the address the server is bound to.
func (s *Service) Addr() net.Addr { return s.ln.Addr() }

// Self returns this node's canonical host:port as it names itself to peers.
func (s *Service) Self() string { return s.self }

// RPC returns the XML-RPC server, for its per-method counters.
func (s *Service) RPC() *v1rpc.Server { return s.rpc }

// kick wakes a loop without blocking; one pending wake is enough.
func kick(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// kickingPeers is the peer table as the RPC server sees it, waking the
// crawler when a peer-exchange caller is queued so that it is probed now
// rather than after the crawler's idle pause.
type kickingPeers struct {
	peers.ServerPeers
	wake chan struct{}
}

// Enqueue queues hostport and wakes the crawler.
func (k kickingPeers) Enqueue(hostport string) {
	k.ServerPeers.Enqueue(hostport)
	kick(k.wake)
}

var _ v1rpc.Peers = kickingPeers{}
