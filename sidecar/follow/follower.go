package follow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// Replay is the replay state the follower drives (a *state.Machine).
type Replay interface {
	Tip() (int64, string)
	BlockHash(h uint64) (string, bool, error)
	ApplyBlock(height uint64, hash string, txs []*nameop.Tx) (*state.Result, error)
	Rollback(height uint64) error
	// Flush makes the applied blocks durable; called at the node's tip.
	Flush() error
}

// Config tunes a Follower.
type Config struct {
	// Network and FirstBlock come from the network's params: blocks
	// below FirstBlock are never fetched.
	Network    nameop.Network
	FirstBlock uint64
	// UndoWindow is the replay's rollback depth, used to tell a deep
	// fork from a node that is still catching up.
	UndoWindow uint64
	// Prevouts is the mode DetectPrevouts chose.
	Prevouts bitcoind.PrevoutMode
	// Fetchers is how many blocks are fetched at once during catch-up
	// (default 4; match the RPC client's connection count).
	Fetchers int
	// Window bounds how far fetching may run ahead of applying, in
	// blocks (default 8 × Fetchers), which bounds memory.
	Window int
	// Poll is how often the node's tip is checked without a wake-up
	// (default 5 s).
	Poll time.Duration
	// Progress is how often catch-up logs its progress (default 5 s).
	Progress time.Duration
	// Rebuild, when set, is called for a fork deeper than the undo
	// window: it must wipe the replay state and return a fresh one. When
	// nil such a fork stops the follower with ErrForkTooDeep.
	Rebuild func() (Replay, error)
	// OnApply and OnRollback are told about every applied block and
	// every rollback, after the replay committed it (for the Atlas
	// inventory, metrics, and tests). They run on the follower's
	// goroutine and must not block for long.
	OnApply    func(*state.Result, chainhash.Hash)
	OnRollback func(to uint64)
	// OnReorg is told the depth of every reorganisation, for the depth
	// histogram.
	OnReorg func(depth int64)
	Logger  zerolog.Logger
}

// ErrForkTooDeep stops the follower when the node's chain forked below the
// oldest block the replay can undo.
var ErrForkTooDeep = errors.New("follow: the node's chain forked below the undo window")

// errParentMismatch means the node reorganised while blocks were fetched.
var errParentMismatch = errors.New("follow: fetched block does not extend our tip")

// Follower keeps a Replay on the node's best chain.
type Follower struct {
	cfg    Config
	node   Node
	replay Replay
	log    zerolog.Logger
	wake   chan struct{}
	stats  Stats

	// behindSince and behindLogged keep a node that is catching up (a
	// reindex takes hours) to one log line a minute instead of one a poll.
	behindSince, behindLogged time.Time
}

// New returns a follower of node driving replay.
func New(node Node, replay Replay, cfg Config) *Follower {
	if cfg.Fetchers <= 0 {
		cfg.Fetchers = 4
	}
	if cfg.Window <= 0 {
		cfg.Window = 8 * cfg.Fetchers
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Progress <= 0 {
		cfg.Progress = 5 * time.Second
	}
	if cfg.UndoWindow == 0 {
		cfg.UndoWindow = 144
	}
	return &Follower{cfg: cfg, node: node, replay: replay, log: cfg.Logger, wake: make(chan struct{}, 1)}
}

// Wake asks for a reconcile soon. It never blocks; wake-ups that arrive
// while one is pending merge into it.
func (f *Follower) Wake() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Replay returns the replay state being driven (a new one after a
// rebuild).
func (f *Follower) Replay() Replay { return f.replay }

// Run follows the node until ctx ends or a fatal error. Transient node
// errors are retried with backoff; the block being applied when ctx ends
// is finished first, so the replay is always at a block boundary.
func (f *Follower) Run(ctx context.Context) error {
	backoff := time.Duration(0)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-f.wake:
			f.stats.Wakeups.Add(1)
		}
		err := f.Sync(ctx)
		switch {
		case err == nil:
			backoff = 0
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrForkTooDeep), isFatal(err):
			return err
		default:
			f.stats.Errors.Add(1)
			backoff = retryWait(backoff, err)
			ev := f.log.Warn()
			var be *bitcoind.Error
			if errors.As(err, &be) && be.Kind == bitcoind.KindUnauthorized {
				ev = f.log.Error()
			}
			ev.Err(err).Dur("retry_in", backoff).Msg("node sync failed; retrying")
		}
		wait := f.cfg.Poll
		if backoff > 0 {
			wait = backoff
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// unreachableBackoff caps the wait between tries while nothing listens at
// the node's address.
const unreachableBackoff = 5 * time.Second

// retryWait is the wait after a failed sync that followed a wait of prev.
// Asking a stopped node again costs one refused connect, and a restarted
// bitcoind should be followed within seconds, not after the 30 s a node
// that is busy or failing in other ways gets.
func retryWait(prev time.Duration, err error) time.Duration {
	next := nextBackoff(prev)
	var be *bitcoind.Error
	if errors.As(err, &be) && be.Kind == bitcoind.KindUnreachable {
		next = min(next, unreachableBackoff)
	}
	return next
}

func nextBackoff(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return 500 * time.Millisecond
	}
	return min(2*d, 30*time.Second)
}

// isFatal reports errors no retry can fix: the replay state refusing a
// block (an invariant broke, or the token genesis is missing).
func isFatal(err error) bool {
	var inv *state.InvariantError
	return errors.As(err, &inv) || errors.Is(err, state.ErrNeedTokenGenesis) ||
		errors.Is(err, state.ErrClosed) || errors.Is(err, errNoBlockHashes)
}

var errNoBlockHashes = errors.New("follow: the replay state has no block hashes (it was built by `atlasd replay` from a file); start from an empty data directory")

// Sync runs one reconcile step: it returns when the replay is at the
// node's tip (as read at the start), or on error.
func (f *Follower) Sync(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		err := f.syncOnce(ctx)
		if !errors.Is(err, errParentMismatch) || attempt >= 10 {
			return err
		}
		f.log.Debug().Msg("node reorganised during fetch; reconciling again")
	}
}

func (f *Follower) syncOnce(ctx context.Context) error {
	ci, err := f.node.ChainInfo(ctx)
	if err != nil {
		return err
	}
	nodeTip, err := chainhash.NewHashFromStr(ci.BestBlockHash)
	if err != nil {
		return fmt.Errorf("follow: node tip hash %q: %w", ci.BestBlockHash, err)
	}
	f.stats.NodeHeight.Store(ci.Blocks)
	f.stats.LastContact.Store(time.Now().UnixNano())
	ourH, ourHash := f.replay.Tip()
	first := int64(f.cfg.FirstBlock)
	if ourH >= first {
		if ourHash == "" {
			return errNoBlockHashes
		}
		wait, err := f.checkFork(ctx, ci, *nodeTip, ourH, ourHash)
		if err != nil || wait {
			return err
		}
		ourH, _ = f.replay.Tip()
	}
	if ci.Blocks <= ourH {
		f.stats.Height.Store(ourH)
		return nil
	}
	from := ourH + 1
	if from < first {
		from = first
	}
	if ci.Blocks < from {
		return nil
	}
	if err := f.catchUp(ctx, from, ci.Blocks); err != nil {
		return err
	}
	// Blocks are committed without a sync while catching up (a crash
	// then costs a re-fetch); at the tip what peers and clients have
	// been served must survive one.
	if err := f.replay.Flush(); err != nil {
		return fmt.Errorf("follow: flush at height %d: %w", ci.Blocks, err)
	}
	f.log.Info().Int64("height", ci.Blocks).Str("hash", ci.BestBlockHash).Int64("blocks", ci.Blocks-from+1).Msg("at node tip")
	return nil
}

// checkFork rolls back when our tip left the node's best chain. wait is
// true when the node is behind us but not on another branch.
func (f *Follower) checkFork(ctx context.Context, ci *bitcoind.ChainInfo, nodeTip chainhash.Hash, ourH int64, ourHash string) (wait bool, err error) {
	if ci.Blocks >= ourH {
		var at chainhash.Hash
		if ci.Blocks == ourH {
			at = nodeTip
		} else if at, err = f.node.BlockHash(ctx, ourH); err != nil {
			return false, err
		}
		if at.String() == ourHash {
			return false, nil
		}
	}
	start := ourH
	if ci.Blocks < start {
		start = ci.Blocks
	}
	fork, err := f.findFork(ctx, start, ourH)
	if err != nil {
		return false, err
	}
	// A node below our first block holds none of our blocks, so nothing
	// disagrees with them: its chain counts as a prefix of ours, as it is
	// during a reindex or a restart that reloads blocks from the start.
	if ci.Blocks < ourH && (fork == ci.Blocks || ci.Blocks < int64(f.cfg.FirstBlock)) {
		// The node's whole chain is a prefix of ours: it is catching up
		// (reindex, restart, initial download) or it invalidated our top
		// blocks. Only the second is a reorg, and it cannot be deeper than
		// the undo window without an operator doing it on purpose.
		if depth := ourH - ci.Blocks; ci.IBD || uint64(depth) > f.cfg.UndoWindow {
			f.logBehind(ci, ourH)
			return true, nil
		}
	}
	f.behindSince = time.Time{}
	return false, f.rollback(ctx, fork, ourH, ourHash, nodeTip)
}

// behindLogEvery spaces the lines that say the node is still catching up.
const behindLogEvery = time.Minute

func (f *Follower) logBehind(ci *bitcoind.ChainInfo, ourH int64) {
	now := time.Now()
	if f.behindSince.IsZero() {
		f.behindSince = now
	} else if now.Sub(f.behindLogged) < behindLogEvery {
		return
	}
	f.behindLogged = now
	f.log.Warn().Int64("node_height", ci.Blocks).Int64("our_height", ourH).Bool("node_ibd", ci.IBD).
		Dur("waiting", now.Sub(f.behindSince).Round(time.Second)).
		Msg("node is behind us on the same chain; waiting for it to catch up")
}

// findFork walks down from start to the highest height where our block
// hash equals the node's, stopping below the undo window.
func (f *Follower) findFork(ctx context.Context, start, ourH int64) (int64, error) {
	first := int64(f.cfg.FirstBlock)
	floor := ourH - int64(f.cfg.UndoWindow)
	for h := start; h >= first; h-- {
		if h < floor {
			return h, nil // below the window: rollback will refuse it
		}
		ours, ok, err := f.replay.BlockHash(uint64(h))
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, &state.InvariantError{Height: h, Msg: "applied block has no recorded hash"}
		}
		theirs, err := f.node.BlockHash(ctx, h)
		if err != nil {
			return 0, err
		}
		if theirs.String() == ours {
			return h, nil
		}
	}
	return first - 1, nil
}

func (f *Follower) rollback(ctx context.Context, fork, ourH int64, ourHash string, nodeTip chainhash.Hash) error {
	depth := ourH - fork
	err := f.replay.Rollback(uint64(fork))
	if errors.Is(err, state.ErrBeyondUndo) {
		if f.cfg.Rebuild == nil {
			return fmt.Errorf("%w: our tip %d (%s), fork below height %d, undo window %d blocks: "+
				"stop atlasd and run `atlasd reindex` to rebuild the state from the node, "+
				"or enable automatic rebuild", ErrForkTooDeep, ourH, ourHash, fork+1, f.cfg.UndoWindow)
		}
		f.log.Error().Int64("our_height", ourH).Int64("fork", fork).Msg("fork below the undo window; rebuilding the replay state from scratch")
		r, err := f.cfg.Rebuild()
		if err != nil {
			return fmt.Errorf("follow: rebuild after deep fork: %w", err)
		}
		f.replay = r
		f.stats.Rebuilds.Add(1)
		if f.cfg.OnRollback != nil {
			f.cfg.OnRollback(f.cfg.FirstBlock - 1)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("follow: roll back to %d: %w", fork, err)
	}
	f.stats.Reorgs.Add(1)
	f.stats.LastReorgDepth.Store(depth)
	for {
		m := f.stats.MaxReorgDepth.Load()
		if depth <= m || f.stats.MaxReorgDepth.CompareAndSwap(m, depth) {
			break
		}
	}
	f.stats.Height.Store(fork)
	f.log.Warn().Int64("depth", depth).Int64("fork_height", fork).Int64("old_tip_height", ourH).
		Str("old_tip", ourHash).Str("node_tip", nodeTip.String()).Msg("chain reorganisation: rolled back")
	if f.cfg.OnReorg != nil {
		f.cfg.OnReorg(depth)
	}
	if f.cfg.OnRollback != nil {
		f.cfg.OnRollback(uint64(fork))
	}
	return nil
}

// catchUp fetches blocks from..to with up to Fetchers in flight and at
// most Window fetched ahead, and applies them in order.
func (f *Follower) catchUp(ctx context.Context, from, to int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	heights := make(chan int64)
	results := make(chan fetched, f.cfg.Window)
	tokens := make(chan struct{}, f.cfg.Window)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(heights)
		for h := from; h <= to; h++ {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case heights <- h:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := 0; i < f.cfg.Fetchers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range heights {
				r := f.fetchBlock(ctx, h)
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	defer wg.Wait()
	defer cancel()

	prog := newProgress(from, to)
	lastLog := time.Now()
	pending := make(map[int64]fetched)
	for next := from; next <= to; {
		r, ok := pending[next]
		if !ok {
			select {
			case r = <-results:
			case <-ctx.Done():
				return ctx.Err()
			}
			if r.height != next {
				pending[r.height] = r
				continue
			}
		} else {
			delete(pending, next)
		}
		if r.err != nil {
			return r.err
		}
		if err := f.apply(r); err != nil {
			return err
		}
		<-tokens
		next++
		if time.Since(lastLog) >= f.cfg.Progress && to-from > 1 {
			lastLog = time.Now()
			prog.log(f.log, next-1)
		}
	}
	if to-from >= 100 {
		prog.log(f.log, to)
	}
	return nil
}

// apply hands one fetched block to the replay after checking it extends
// our tip.
func (f *Follower) apply(r fetched) error {
	ourH, ourHash := f.replay.Tip()
	if r.height != ourH+1 && !(ourH < int64(f.cfg.FirstBlock) && r.height == int64(f.cfg.FirstBlock)) {
		return fmt.Errorf("follow: internal: block %d fetched at tip %d", r.height, ourH)
	}
	if ourHash != "" && r.prev.String() != ourHash {
		return errParentMismatch
	}
	res, err := f.replay.ApplyBlock(uint64(r.height), r.hash.String(), r.txs)
	if err != nil {
		return err
	}
	f.stats.BlocksApplied.Add(1)
	f.stats.OpsAccepted.Add(int64(len(res.Accepted)))
	f.stats.OpsRejected.Add(int64(res.Rejected + r.ignored))
	f.stats.BytesFetched.Add(int64(r.size))
	f.stats.Height.Store(r.height)
	if f.cfg.OnApply != nil {
		f.cfg.OnApply(res, r.hash)
	}
	return nil
}

// Stats are the follower's counters; read them with Load.
type Stats struct {
	Height, NodeHeight            atomic.Int64
	BlocksApplied, BytesFetched   atomic.Int64
	OpsAccepted, OpsRejected      atomic.Int64
	Reorgs, Rebuilds              atomic.Int64
	LastReorgDepth, MaxReorgDepth atomic.Int64
	Errors, Wakeups               atomic.Int64
	// LastContact is when the node last answered a reconcile (Unix
	// nanoseconds, 0 before the first): readiness checks use it to tell a
	// node that is down from one with no new blocks.
	LastContact atomic.Int64
}

// Stats returns the live counters.
func (f *Follower) Stats() *Stats { return &f.stats }
