package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/replicate"
	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// Defaults for the Config fields left zero. v1 paused 300 s between
// crawler rounds and refreshed neighbours' inventories every 600 s; these
// are shorter where it buys convergence and costs little.
const (
	// DefaultListen is loopback on v1's port: exposing the peer is the
	// operator's decision.
	DefaultListen = "127.0.0.1:6264"
	// DefaultRefreshInterval is the longest a neighbour's cached
	// inventory is used before it is read again.
	DefaultRefreshInterval = 2 * time.Minute
	// DefaultFetchInterval is the first pause between fetch rounds after
	// new zonefiles were announced; it doubles up to RefreshInterval
	// while some remain missing.
	DefaultFetchInterval = time.Second
	// DefaultCrawlInterval is the pause between crawler steps that
	// changed nothing; a step that admitted or removed a peer, or left
	// candidates queued, is followed by the next at once.
	DefaultCrawlInterval = 30 * time.Second
	// DefaultPushDelay gathers zonefiles that become present together into
	// the same put_zonefiles calls.
	DefaultPushDelay = 20 * time.Millisecond
	// DefaultForkInterval is the pause between fork re-checks of the
	// neighbours.
	DefaultForkInterval = 5 * time.Minute
	// DefaultShutdownTimeout bounds the graceful HTTP shutdown; requests
	// still running then are cut off.
	DefaultShutdownTimeout = 5 * time.Second
)

// HTTP server limits against slow or idle clients. v1 requests are small
// (put_zonefiles carries at most five 40 KiB zonefiles, and atlas/xmlrpc
// caps bodies at 512 KiB), so a client that takes longer than this to send
// one is holding the connection on purpose.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	// writeTimeout covers the largest reply, 100 zonefiles of up to 40 KiB,
	// to a slow but honest peer.
	writeTimeout   = 60 * time.Second
	idleTimeout    = 2 * time.Minute
	maxHeaderBytes = 16 << 10
)

// ErrConfig reports an unusable Config or Open argument.
var ErrConfig = errors.New("service: bad config")

// Config sets up a Service. The zero value with a chain and a data
// directory is a mainnet peer on DefaultListen with no seeds.
type Config struct {
	// Listen is the address the XML-RPC server binds; empty means
	// DefaultListen. Ignored when Listener is set.
	Listen string
	// Listener, if set, is used instead of binding Listen (tests bind
	// every peer's port before any peer is configured with the others as
	// seeds). The service closes it.
	Listener net.Listener
	// Hostname is this node's host:port as other peers reach it. Empty
	// means the bound address (with 127.0.0.1 for an unspecified host).
	// Its port is also where non-local peer-exchange callers are assumed
	// to listen, as v1 assumed its own port.
	Hostname string
	// Seeds are peers that are always neighbours.
	Seeds []string
	// Blacklist names peers never contacted or listed.
	Blacklist []string
	// Testnet is this node's network flag; peers must report the same.
	Testnet bool
	// Version is reported by ping and getinfo; empty means v1rpc's
	// default.
	Version string
	// FirstBlock is the first BNS block of the network; zero means
	// mainnet's.
	FirstBlock int64
	// BlockCount returns the Bitcoin node's block count for getinfo; nil
	// reports the last processed block.
	BlockCount func(ctx context.Context) (int64, error)
	// Indexing reports whether the chain is catching up, for getinfo.
	Indexing func() bool
	// Intervals; zero takes the Default* value above.
	RefreshInterval time.Duration
	FetchInterval   time.Duration
	CrawlInterval   time.Duration
	PushDelay       time.Duration
	ForkInterval    time.Duration
	ShutdownTimeout time.Duration
	// Limits bound what each client address may take from the XML-RPC
	// server, and the connections it serves; zero fields take
	// atlas/v1rpc's defaults.
	Limits v1rpc.Limits
	// Concurrency is how many peers replication talks to at once, and
	// MaxStrikes how many lying batches drop a peer; zero takes
	// atlas/replicate's defaults.
	Concurrency int
	MaxStrikes  int
	// OnStored, if set, is called once for every zonefile newly stored
	// here (by any path), with the height of its first announcement, after
	// it is durable. It runs on the storing goroutine: it must return
	// quickly (queue the work) and must not call Put or SyncChain.
	OnStored func(hash inventory.Hash, height int32)
	// Store carries the zonefile store's file system and write gate (the
	// daemon's disk-space guard); its Logger is set here.
	Store zonestore.Options
	// Logger receives the service's messages; each part logs under its
	// own "component" field. The zero Logger discards them.
	Logger zerolog.Logger
}

// withDefaults returns cfg with zero fields filled in.
func (cfg Config) withDefaults() Config {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.Version == "" {
		cfg.Version = v1rpc.DefaultVersion
	}
	if cfg.FirstBlock == 0 {
		cfg.FirstBlock = v1rpc.DefaultFirstBlock
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.RefreshInterval, DefaultRefreshInterval},
		{&cfg.FetchInterval, DefaultFetchInterval},
		{&cfg.CrawlInterval, DefaultCrawlInterval},
		{&cfg.PushDelay, DefaultPushDelay},
		{&cfg.ForkInterval, DefaultForkInterval},
		{&cfg.ShutdownTimeout, DefaultShutdownTimeout},
	} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = replicate.DefaultConcurrency
	}
	if cfg.MaxStrikes <= 0 {
		cfg.MaxStrikes = replicate.DefaultMaxStrikes
	}
	if cfg.FetchInterval > cfg.RefreshInterval {
		cfg.FetchInterval = cfg.RefreshInterval
	}
	return cfg
}

// validate refuses what the defaults cannot fix.
func (cfg Config) validate() error {
	if cfg.FirstBlock < 0 {
		return fmt.Errorf("%w: first block %d", ErrConfig, cfg.FirstBlock)
	}
	return nil
}
